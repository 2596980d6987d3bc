// Partial selection against a full stable sort, with many ties and both selection strategies.
#include "engine/sampler/top_select.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "engine/sampler/counter_rng.h"

namespace llmc {
namespace {

TEST(TopSelect, MatchesAStableSortWithTies) {
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> small(0, 9);
  std::vector<float> values(1000);
  for (float& v : values) v = static_cast<float>(small(gen));
  values[17] = -INFINITY;
  std::vector<int32_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return values[a] > values[b]; });
  for (size_t n : {1, 5, 256, 257, 999, 1000, 5000}) {
    const auto got = top_select(values, n);
    const size_t want = std::min(n, values.size());
    EXPECT_EQ(got, std::vector<int32_t>(order.begin(), order.begin() + want)) << "n " << n;
  }
  EXPECT_TRUE(top_select(values, 0).empty());
  // With a floor of 8 only the 8s and 9s qualify.
  const auto above = top_select(values, 5000, 8.0f);
  const auto count = std::count_if(values.begin(), values.end(), [](float v) { return v >= 8.0f; });
  EXPECT_EQ(above, std::vector<int32_t>(order.begin(), order.begin() + count));
  EXPECT_EQ(top_select(values, 3, 8.0f), std::vector<int32_t>(order.begin(), order.begin() + 3));
}

TEST(TopSelect, ArgmaxTakesTheFirstMaximum) {
  EXPECT_EQ(argmax(std::vector<float>{1, 3, 3, 2}), 1);
  EXPECT_EQ(argmax(std::vector<float>{-INFINITY, -1}), 1);
  EXPECT_EQ(argmax(std::vector<float>{5}), 0);
}

TEST(CounterRng, UniformOverBinsAndDistinctAcrossSeeds) {
  std::vector<int> bins(16, 0);
  const int draws = 160000;
  for (int step = 0; step < draws; ++step) {
    const double u = counter_uniform(77, static_cast<uint64_t>(step));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ++bins[static_cast<size_t>(u * 16)];
  }
  double chi2 = 0;
  for (int c : bins) chi2 += (c - draws / 16.0) * (c - draws / 16.0) / (draws / 16.0);
  EXPECT_LT(chi2, 37.70);  // chi-square 15 dof, upper 0.1% point
  EXPECT_NE(counter_bits(1, 0), counter_bits(2, 0));
  EXPECT_NE(counter_bits(1, 0), counter_bits(1, 1));
  EXPECT_NE(counter_bits(0, 1), counter_bits(1, 0));
}

}  // namespace
}  // namespace llmc
