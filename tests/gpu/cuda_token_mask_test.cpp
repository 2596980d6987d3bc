// Token masks on the device (kernels/cuda/token_mask) against a host reference, bit for bit: masked rows get
// -inf where the bit is clear (NaN and +inf stay, so the sampler still reports them), unmasked rows and the
// padding between rows are untouched. Then masks followed by sample_rows against the CPU sampler given the
// same mask. Skips without a GPU.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/sampler/sampler.h"
#include "kernels/cuda/sampling.cuh"
#include "kernels/cuda/token_mask.cuh"
#include "tests/gpu/cuda_test_util.h"

namespace llmc::cuda_test {
namespace {

namespace kc = kernels::cuda;

constexpr float kInf = std::numeric_limits<float>::infinity();

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

std::vector<uint32_t> random_mask(int64_t vocab, double keep, std::mt19937_64& rng) {
  std::bernoulli_distribution bit(keep);
  std::vector<uint32_t> words(static_cast<size_t>((vocab + 31) / 32), 0);
  for (int64_t i = 0; i < vocab; ++i) {
    if (bit(rng)) words[static_cast<size_t>(i / 32)] |= 1u << (i % 32);
  }
  words[0] |= 1u;  // never empty
  return words;
}

using CudaTokenMaskTest = CudaTest;

TEST_F(CudaTokenMaskTest, MatchesHostReferenceBitForBit) {
  std::mt19937_64 rng(5);
  for (const int64_t vocab : {1, 31, 32, 33, 989, 32000, 128256}) {
    const int64_t rows = 9;
    const int64_t pad = 3;
    const int64_t ld = vocab + pad;
    const int64_t words = (vocab + 31) / 32;
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> logits(static_cast<size_t>(rows * ld));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < ld; ++i) {
        float v = normal(rng);
        const uint64_t k = rng() % 50;
        if (k == 0) v = std::numeric_limits<float>::quiet_NaN();
        if (k == 1) v = kInf;
        if (k == 2) v = -kInf;
        if (i >= vocab) v = 1234.5f;  // padding: must stay
        logits[static_cast<size_t>(r * ld + i)] = v;
      }
    }
    const std::vector<int32_t> mask_rows{0, 3, 4, 8};  // rows 1, 2, 5, 6, 7 unmasked
    std::vector<uint32_t> masks;
    for (size_t k = 0; k < mask_rows.size(); ++k) {
      const auto m = random_mask(vocab, k == 0 ? 0.0 : 0.3, rng);
      masks.insert(masks.end(), m.begin(), m.end());
    }
    std::vector<float> expected = logits;
    for (size_t k = 0; k < mask_rows.size(); ++k) {
      for (int64_t i = 0; i < vocab; ++i) {
        float& v = expected[static_cast<size_t>(mask_rows[k] * ld + i)];
        const bool allowed = (masks[k * static_cast<size_t>(words) + static_cast<size_t>(i / 32)] >> (i % 32)) & 1u;
        if (!allowed && v < kInf) v = -kInf;
      }
    }
    DeviceBuffer d_logits(logits), d_rows(mask_rows), d_masks(masks);
    kc::apply_token_masks(d_logits.as<float>(), ld, vocab, d_rows.as<int32_t>(), d_masks.as<uint32_t>(), words,
                          static_cast<int64_t>(mask_rows.size()), stream_);
    sync();
    const auto got = d_logits.download_vector<float>(logits.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(bits_of(got[i]), bits_of(expected[i])) << "vocab " << vocab << " row " << i / static_cast<size_t>(ld)
                                                       << " column " << i % static_cast<size_t>(ld);
    }
  }
}

TEST_F(CudaTokenMaskTest, MaskedSamplingMatchesCpu) {
  std::mt19937_64 rng(9);
  for (const int64_t vocab : {512, 32000, 128256}) {
    const int64_t rows = 64;
    const int64_t words = (vocab + 31) / 32;
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<std::vector<float>> row_logits(static_cast<size_t>(rows));
    std::vector<SamplingParams> params(static_cast<size_t>(rows));
    std::vector<std::vector<uint32_t>> row_masks(static_cast<size_t>(rows));
    std::vector<float> logits;
    std::vector<int32_t> mask_rows;
    std::vector<uint32_t> masks;
    std::vector<kc::DeviceSamplingRow> dev(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      auto& x = row_logits[static_cast<size_t>(r)];
      x.resize(static_cast<size_t>(vocab));
      for (float& v : x) v = normal(rng);
      SamplingParams& p = params[static_cast<size_t>(r)];
      p.temperature = r % 2 ? 0.0f : 0.9f;
      p.top_k = r % 4 == 2 ? 50 : 0;  // greedy, full-vocabulary draws and top_k draws: all token-exact
      p.seed = rng();
      p.logprobs = 2;
      dev[static_cast<size_t>(r)] = kc::DeviceSamplingRow{p.temperature, p.top_p, p.min_p, 1.0f, 0.0f, 0.0f, p.top_k, p.logprobs,
                                                           p.seed, 0, 0, 0, 0, 0};
      logits.insert(logits.end(), x.begin(), x.end());
      if (r % 3 != 1) {
        row_masks[static_cast<size_t>(r)] = random_mask(vocab, r % 3 == 0 ? 0.001 : 0.5, rng);
        mask_rows.push_back(static_cast<int32_t>(r));
        masks.insert(masks.end(), row_masks[static_cast<size_t>(r)].begin(), row_masks[static_cast<size_t>(r)].end());
      }
    }
    DeviceBuffer d_logits(logits), d_params(dev), d_rows(mask_rows), d_masks(masks);
    DeviceBuffer token(rows * 4), logprob(rows * 4), top_ids(rows * 2 * 4), top_lp(rows * 2 * 4), error(rows * 4),
        workspace(kc::sampling_workspace_bytes(rows, vocab));
    kc::apply_token_masks(d_logits.as<float>(), vocab, vocab, d_rows.as<int32_t>(), d_masks.as<uint32_t>(), words,
                          static_cast<int64_t>(mask_rows.size()), stream_);
    kc::sample_rows(d_logits.as<float>(), vocab, rows, vocab, d_params.as<kc::DeviceSamplingRow>(), nullptr,
                    token.as<int32_t>(), logprob.as<float>(), top_ids.as<int32_t>(), top_lp.as<float>(), 2,
                    error.as<int32_t>(), workspace.get(), stream_);
    sync();
    const auto tokens = token.download_vector<int32_t>(static_cast<size_t>(rows));
    const auto errors = error.download_vector<int32_t>(static_cast<size_t>(rows));
    const auto lps = logprob.download_vector<float>(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<float> x = row_logits[static_cast<size_t>(r)];
      SamplerInput in{x, {}, {}, &params[static_cast<size_t>(r)]};
      in.allowed = row_masks[static_cast<size_t>(r)];
      const SampleOutput cpu = sample(in);
      ASSERT_EQ(errors[static_cast<size_t>(r)], kc::kSamplingOk) << "vocab " << vocab << " row " << r;
      EXPECT_EQ(tokens[static_cast<size_t>(r)], cpu.token_id) << "vocab " << vocab << " row " << r;
      EXPECT_NEAR(lps[static_cast<size_t>(r)], cpu.logprob, 1e-4) << "vocab " << vocab << " row " << r;
    }
  }
}

}  // namespace
}  // namespace llmc::cuda_test
