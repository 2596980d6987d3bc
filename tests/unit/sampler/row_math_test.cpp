// The vectorised helpers against the C library.
#include "engine/sampler/row_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace llmc {
namespace {

TEST(RowMath, ExpMatchesTheLibraryWithinAFewUlp) {
  double worst = 0.0;
  for (float x = -87.0f; x <= 0.0f; x += 0.001953125f) {  // 2^-9 steps: 44544 points
    const double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::abs(exp_nonpositive(x) - want) / want);
  }
  EXPECT_LT(worst, 3e-7);  // float epsilon is 1.19e-7
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
  EXPECT_EQ(exp_nonpositive(-88.0f), 0.0f);
  EXPECT_EQ(exp_nonpositive(-INFINITY), 0.0f);
}

TEST(RowMath, ReductionsMatchScalarLoops) {
  std::mt19937 gen(3);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  for (size_t n : {1, 7, 8, 63, 64, 65, 1000, 128256}) {
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    if (n > 1) v[n / 2] = -INFINITY;  // a masked token, where another finite one remains
    float max = -INFINITY;
    long double sum = 0;
    for (float x : v) max = std::max(max, x);
    for (float x : v) sum += std::exp(static_cast<long double>(x) - max);
    EXPECT_EQ(max_value(v), max) << n;
    EXPECT_NEAR(log_sum_exp(v), static_cast<double>(max + std::log(sum)), 1e-5) << n;

    std::vector<float> weights(n);
    std::vector<double> blocks;
    const float floor = max - 3.0f;
    const double total = softmax_weights(v, max, 0.5f, floor, weights, &blocks);
    long double want_total = 0;
    for (size_t i = 0; i < n; ++i) {
      const double want = v[i] >= floor ? std::exp((static_cast<double>(v[i]) - max) / 0.5) : 0.0;
      EXPECT_NEAR(weights[i], want, 3e-7 * want + 1e-30) << n << " " << i;
      want_total += want;
    }
    EXPECT_NEAR(total, static_cast<double>(want_total), 1e-6 * static_cast<double>(want_total)) << n;
    ASSERT_EQ(blocks.size(), (n + kWeightBlock - 1) / kWeightBlock);
  }
  bool any_finite = false;
  EXPECT_TRUE(no_nan_or_pos_inf(std::vector<float>{1.0f, -INFINITY}, &any_finite));
  EXPECT_TRUE(any_finite);
  EXPECT_TRUE(no_nan_or_pos_inf(std::vector<float>{-INFINITY}, &any_finite));
  EXPECT_FALSE(any_finite);
  EXPECT_FALSE(no_nan_or_pos_inf(std::vector<float>(9, NAN), &any_finite));
  EXPECT_FALSE(no_nan_or_pos_inf(std::vector<float>{0.0f, INFINITY}, &any_finite));
}

}  // namespace
}  // namespace llmc
