// Statistical tests: draws over a toy vocabulary match the analytically computed distribution (chi-square,
// fixed seeds, so each run sees the same numbers and the test is deterministic).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "engine/sampler/sampler.h"
#include "tests/unit/sampler/reference_distribution.h"

namespace llmc {
namespace {

constexpr int kDraws = 20000;

// Draws kDraws tokens as steps 0..kDraws-1 of one seeded request.
std::vector<int> histogram(const std::vector<float>& logits, const SamplingParams& params) {
  const std::vector<int32_t> history(kDraws, 0);
  std::vector<int> counts(logits.size(), 0);
  std::vector<float> row;
  for (int step = 0; step < kDraws; ++step) {
    row = logits;
    SamplerInput input{row, {}, std::span<const int32_t>(history.data(), static_cast<size_t>(step)), &params};
    ++counts[sample(input).token_id];
  }
  return counts;
}

void expect_matches(const std::vector<float>& logits, const SamplingParams& params) {
  const std::vector<double> expected = test::reference_distribution(logits, params);
  const std::vector<int> counts = histogram(logits, params);
  double chi2 = 0.0;
  size_t kept = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (expected[i] == 0.0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " should be filtered out";
      continue;
    }
    ++kept;
    const double e = expected[i] * kDraws;
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  ASSERT_GE(kept, 2u) << "a test case needs at least two possible tokens";
  EXPECT_LT(chi2, test::chi_square_critical_999(kept - 1)) << "chi-square with " << kept - 1 << " dof";
}

const std::vector<float> kToyLogits = {1.0f, 2.5f, -0.5f, 0.3f, 2.0f, -1.5f, 1.7f, 0.9f};

SamplingParams params_with(float temperature) {
  SamplingParams p;
  p.temperature = temperature;
  p.seed = 20240611;
  return p;
}

TEST(SamplerDistribution, PlainSoftmax) { expect_matches(kToyLogits, params_with(1.0f)); }

TEST(SamplerDistribution, LowAndHighTemperature) {
  expect_matches(kToyLogits, params_with(0.6f));
  expect_matches(kToyLogits, params_with(2.5f));
}

TEST(SamplerDistribution, TopK) {
  SamplingParams p = params_with(0.8f);
  p.top_k = 4;
  expect_matches(kToyLogits, p);
}

TEST(SamplerDistribution, TopP) {
  SamplingParams p = params_with(1.2f);
  p.top_p = 0.75f;
  expect_matches(kToyLogits, p);
}

TEST(SamplerDistribution, MinP) {
  SamplingParams p = params_with(1.0f);
  p.min_p = 0.2f;
  expect_matches(kToyLogits, p);
}

TEST(SamplerDistribution, AllFiltersTogether) {
  SamplingParams p = params_with(0.9f);
  p.min_p = 0.05f;
  p.top_k = 6;
  p.top_p = 0.9f;
  expect_matches(kToyLogits, p);
}

TEST(SamplerDistribution, TopKLargerThanVocabularyIsNoFilter) {
  SamplingParams p = params_with(1.0f);
  p.top_k = 1000;
  expect_matches(kToyLogits, p);
}

TEST(SamplerDistribution, TopPBeyondTheFirstCutoffWithTies) {
  // One dominant token (89% of the mass) and 1000 tied tokens 9 logits below: reaching top_p = 0.95 needs the
  // first 545 of the tied tokens by id, which lie outside the sampler's first gathering width.
  std::vector<float> logits(1001, -9.0f);
  logits[0] = 0.0f;
  SamplingParams p = params_with(1.0f);
  p.top_p = 0.95f;
  const std::vector<double> expected = test::reference_distribution(logits, p);
  const std::vector<int> counts = histogram(logits, p);
  size_t expected_kept = 0;
  double tied_mass = 0.0;
  int tied_draws = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (expected[i] > 0) ++expected_kept;
    tied_mass += expected[i];
    tied_draws += counts[i];
    if (expected[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i;
    }
  }
  EXPECT_EQ(expected_kept, 545u);
  // Two cells: the dominant token and the kept tied ones.
  const double e0 = expected[0] * kDraws;
  const double e1 = tied_mass * kDraws;
  const double chi2 = (counts[0] - e0) * (counts[0] - e0) / e0 + (tied_draws - e1) * (tied_draws - e1) / e1;
  EXPECT_LT(chi2, test::chi_square_critical_999(1));
}

TEST(SamplerDistribution, FilteredSetsOnALargeVocabulary) {
  // 50k tokens: every draw must come from the set the definitions keep, and the draws must reach deep into
  // it.
  std::mt19937 gen(8);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> logits(50000);
  for (float& v : logits) v = dist(gen);
  logits[123] = -INFINITY;
  struct Case {
    float temperature, top_p, min_p;
    int32_t top_k;
  };
  for (const Case& c : {Case{1.0f, 0.8f, 0.0f, 0}, Case{0.7f, 0.5f, 0.01f, 0}, Case{1.5f, 0.9f, 0.0f, 2000},
                        Case{1.0f, 1.0f, 0.2f, 0}}) {
    SamplingParams p = params_with(c.temperature);
    p.top_p = c.top_p;
    p.min_p = c.min_p;
    p.top_k = c.top_k;
    const std::vector<double> expected = test::reference_distribution(logits, p);
    const size_t kept =
        static_cast<size_t>(std::count_if(expected.begin(), expected.end(), [](double q) { return q > 0; }));
    std::set<int32_t> seen;
    const std::vector<int32_t> history(1000, 0);
    for (size_t step = 0; step < history.size(); ++step) {
      std::vector<float> row = logits;
      const int32_t id = sample({row, {}, std::span<const int32_t>(history.data(), step), &p}).token_id;
      ASSERT_GT(expected[id], 0.0) << "token " << id << " is outside the kept set of " << kept;
      seen.insert(id);
    }
    EXPECT_GT(seen.size(), std::min<size_t>(kept / 4, 200)) << "kept " << kept;
  }
}

TEST(SamplerDistribution, SeedsAcrossRequestsAreUniformToo) {
  // Step 0 of 20000 requests with consecutive seeds: the per-seed streams must not be correlated.
  const std::vector<double> expected = test::reference_distribution(kToyLogits, params_with(1.0f));
  std::vector<int> counts(kToyLogits.size(), 0);
  for (int seed = 0; seed < kDraws; ++seed) {
    SamplingParams p = params_with(1.0f);
    p.seed = static_cast<uint64_t>(seed);
    std::vector<float> row = kToyLogits;
    ++counts[sample({row, {}, {}, &p}).token_id];
  }
  double chi2 = 0.0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double e = expected[i] * kDraws;
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  EXPECT_LT(chi2, test::chi_square_critical_999(counts.size() - 1));
}

}  // namespace
}  // namespace llmc
