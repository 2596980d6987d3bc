// Token masks of constrained decoding in the CPU sampler: disallowed tokens are never drawn, logprobs are those
// of the masked row (checked against a double-precision log-softmax over the allowed tokens), failures name
// the mask, and unmasked rows of a batch sample exactly as they would alone.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "common/check.h"
#include "engine/sampler/sampler.h"

namespace llmc {
namespace {

std::vector<float> random_logits(size_t vocab, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> logits(vocab);
  for (float& v : logits) v = dist(gen);
  return logits;
}

// Allows each token with probability `keep`, and always `must` (when >= 0).
std::vector<uint32_t> random_mask(size_t vocab, uint32_t seed, double keep, int32_t must = -1) {
  std::mt19937 gen(seed);
  std::bernoulli_distribution bit(keep);
  std::vector<uint32_t> words((vocab + 31) / 32, 0);
  for (size_t i = 0; i < vocab; ++i) {
    if (bit(gen) || static_cast<int32_t>(i) == must) words[i / 32] |= 1u << (i % 32);
  }
  return words;
}

bool allowed(const std::vector<uint32_t>& m, size_t id) { return (m[id / 32] >> (id % 32)) & 1u; }

TEST(SamplerTokenMask, GreedyPicksTheBestAllowedToken) {
  SamplingParams p;
  p.temperature = 0.0f;
  for (uint32_t seed = 0; seed < 6; ++seed) {
    const size_t vocab = seed % 2 ? 128256 : 1000 + seed;  // odd sizes leave a partial last word
    std::vector<float> logits = random_logits(vocab, seed);
    const auto mask = random_mask(vocab, seed + 100, 0.01, 7);
    size_t best = 0;
    float best_v = -INFINITY;
    for (size_t i = 0; i < vocab; ++i) {
      if (allowed(mask, i) && logits[i] > best_v) best = i, best_v = logits[i];
    }
    SamplerInput in{logits, {}, {}, &p};
    in.allowed = mask;
    EXPECT_EQ(sample(in).token_id, static_cast<int32_t>(best));
  }
}

TEST(SamplerTokenMask, DrawsOnlyAllowedTokensWithTheirRenormalisedLogprobs) {
  const size_t vocab = 5000;
  const std::vector<float> base = random_logits(vocab, 3);
  const auto mask = random_mask(vocab, 4, 0.02);
  // log-softmax over the allowed tokens, in double.
  double max = -INFINITY;
  for (size_t i = 0; i < vocab; ++i) {
    if (allowed(mask, i)) max = std::max(max, static_cast<double>(base[i]));
  }
  double sum = 0;
  for (size_t i = 0; i < vocab; ++i) {
    if (allowed(mask, i)) sum += std::exp(base[i] - max);
  }
  const double lse = max + std::log(sum);
  std::set<int32_t> seen;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    SamplingParams p;
    p.temperature = 1.5f;
    p.top_p = seed % 3 == 0 ? 0.9f : 1.0f;
    p.top_k = seed % 3 == 1 ? 20 : 0;
    p.repetition_penalty = seed % 4 == 0 ? 1.3f : 1.0f;
    p.seed = seed;
    p.logprobs = 3;
    std::vector<float> logits = base;
    const std::vector<int32_t> history{1, 2, 3, 4, 5};  // penalised, mostly masked
    SamplerInput in{logits, history, history, &p};
    in.allowed = mask;
    const SampleOutput out = sample(in);
    ASSERT_TRUE(allowed(mask, static_cast<size_t>(out.token_id))) << "seed " << seed << " drew masked token " << out.token_id;
    seen.insert(out.token_id);
    EXPECT_NEAR(out.logprob, base[static_cast<size_t>(out.token_id)] - lse, 1e-4);
    ASSERT_EQ(out.top_logprobs.size(), 3u);
    for (const auto& [id, lp] : out.top_logprobs) {
      EXPECT_TRUE(allowed(mask, static_cast<size_t>(id)));
      EXPECT_NEAR(lp, base[static_cast<size_t>(id)] - lse, 1e-4);
    }
  }
  EXPECT_GT(seen.size(), 5u);
}

TEST(SamplerTokenMask, Failures) {
  SamplingParams p;
  std::vector<float> logits = random_logits(100, 1);
  std::vector<uint32_t> none(4, 0);
  SamplerInput in{logits, {}, {}, &p};
  in.allowed = none;
  try {
    sample(in);
    ADD_FAILURE() << "an empty mask sampled";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token mask"), std::string::npos) << e.what();
  }
  std::vector<uint32_t> short_mask(3, ~0u);  // 96 bits for 100 logits
  logits = random_logits(100, 1);
  in.logits = logits;
  in.allowed = short_mask;
  EXPECT_THROW(sample(in), Error);
  // A NaN under a masked position is still reported.
  logits = random_logits(100, 1);
  logits[50] = NAN;
  std::vector<uint32_t> mask(4, ~0u);
  mask[1] &= ~(1u << (50 - 32));
  in.logits = logits;
  in.allowed = mask;
  EXPECT_THROW(sample(in), Error);
}

TEST(SamplerTokenMask, UnmaskedRowsOfABatchAreUnchanged) {
  const size_t vocab = 32000;
  std::vector<std::vector<float>> rows;
  std::vector<SamplingParams> params(8);
  for (size_t r = 0; r < params.size(); ++r) {
    rows.push_back(random_logits(vocab, static_cast<uint32_t>(r)));
    params[r].temperature = r % 2 ? 0.0f : 0.8f;
    params[r].seed = 1000 + r;
  }
  const auto mask = random_mask(vocab, 9, 0.001, 0);
  auto batch = [&](bool masked) {
    std::vector<std::vector<float>> copy = rows;
    std::vector<SamplerInput> in;
    for (size_t r = 0; r < rows.size(); ++r) {
      in.push_back({copy[r], {}, {}, &params[r]});
      if (masked && r % 3 == 0) in.back().allowed = mask;
    }
    return sample_batch(in);
  };
  const auto plain = batch(false);
  const auto mixed = batch(true);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r % 3 == 0) {
      EXPECT_TRUE(allowed(mask, static_cast<size_t>(mixed[r].token_id)));
    } else {
      EXPECT_EQ(mixed[r].token_id, plain[r].token_id) << "row " << r;
    }
  }
}

}  // namespace
}  // namespace llmc
