// Backend::sample with token masks on the CUDA backend (the packed upload of masks beside parameters and
// histories, the mask kernel, then the sampler) against the CPU backend given the same rows: greedy and
// token-exact sampled rows pick the same tokens, every pick is allowed, unmasked rows are unaffected, and a
// row whose mask leaves nothing names the mask in its error. Skips without a GPU.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/check.h"
#include "engine/backend/backend.h"
#include "engine/backend/cuda_backend.h"

namespace llmc {
namespace {

bool has_gpu() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

std::vector<uint32_t> random_mask(int64_t vocab, double keep, std::mt19937_64& rng) {
  std::bernoulli_distribution bit(keep);
  std::vector<uint32_t> words(static_cast<size_t>((vocab + 31) / 32), 0);
  for (int64_t i = 0; i < vocab; ++i) {
    if (bit(rng)) words[static_cast<size_t>(i / 32)] |= 1u << (i % 32);
  }
  words[words.size() - 1] |= 1u << ((vocab - 1) % 32);  // the last token, in the partial last word
  return words;
}

TEST(CudaBackendTokenMask, SampleMatchesCpuBackend) {
  if (!has_gpu()) GTEST_SKIP() << "no CUDA device";
  auto gpu = make_cuda_backend(CudaBackendOptions{0, ScalarType::kF32});
  auto cpu = make_cpu_backend();
  std::mt19937_64 rng(21);
  for (const int64_t vocab : {1000, 128256}) {
    const int64_t rows = 64;
    const int64_t ld = vocab + 8;  // the model's padded logit rows
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> logits(static_cast<size_t>(rows * ld));
    for (float& v : logits) v = normal(rng);
    std::vector<SamplingParams> params(static_cast<size_t>(rows));
    std::vector<std::vector<uint32_t>> masks(static_cast<size_t>(rows));
    std::vector<std::vector<int32_t>> outputs(static_cast<size_t>(rows));
    std::vector<SampleRow> sample_rows(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const auto i = static_cast<size_t>(r);
      params[i].temperature = r % 2 ? 0.0f : 1.0f;
      params[i].top_k = r % 4 == 0 ? 40 : 0;
      params[i].seed = rng();
      params[i].logprobs = 1;
      params[i].repetition_penalty = r % 5 == 0 ? 1.2f : 1.0f;
      outputs[i] = {1, 2, 3};
      if (r % 3 != 2) masks[i] = random_mask(vocab, r % 3 == 0 ? 0.002 : 0.6, rng);
      sample_rows[i] = SampleRow{&params[i], outputs[i], outputs[i], masks[i]};
    }
    Tensor d = gpu->scratch(ScalarType::kF32, {rows, ld});
    gpu->copy_from_host(logits.data(), d);
    Tensor h = cpu->empty(ScalarType::kF32, {rows, ld});
    cpu->copy_from_host(logits.data(), h);
    const auto g = gpu->sample(d, vocab, sample_rows);
    const auto c = cpu->sample(h, vocab, sample_rows);
    for (int64_t r = 0; r < rows; ++r) {
      const auto i = static_cast<size_t>(r);
      const int32_t t = g[i].token_id;
      ASSERT_TRUE(t >= 0 && t < vocab) << "row " << r;
      if (!masks[i].empty()) EXPECT_TRUE((masks[i][static_cast<size_t>(t) / 32] >> (t % 32)) & 1u) << "row " << r;
      EXPECT_EQ(t, c[i].token_id) << "vocab " << vocab << " row " << r;
      EXPECT_NEAR(g[i].logprob, c[i].logprob, 1e-4) << "vocab " << vocab << " row " << r;
    }
    gpu->reset_scratch();
  }
}

TEST(CudaBackendTokenMask, EmptyMaskNamesTheMask) {
  if (!has_gpu()) GTEST_SKIP() << "no CUDA device";
  auto gpu = make_cuda_backend(CudaBackendOptions{0, ScalarType::kF32});
  const int64_t vocab = 100;
  std::vector<float> logits(static_cast<size_t>(vocab), 0.5f);
  SamplingParams p;
  const std::vector<uint32_t> none(4, 0);
  const std::vector<SampleRow> rows{SampleRow{&p, {}, {}, none}};
  Tensor d = gpu->scratch(ScalarType::kF32, {1, vocab});
  gpu->copy_from_host(logits.data(), d);
  try {
    gpu->sample(d, vocab, rows);
    ADD_FAILURE() << "sampled with an empty mask";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token mask"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmc
