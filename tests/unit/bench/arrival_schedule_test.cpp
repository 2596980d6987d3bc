// Arrival times: all at once for inf; otherwise n/rate long exactly, non-decreasing, and the gaps as even
// as the burstiness says (coefficient of variation 1/sqrt(burstiness) for gamma gaps).
#include "bench/llm_bench/arrival_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/check.h"

namespace llmc::bench {
namespace {

double gap_cv(const std::vector<double>& at) {
  std::vector<double> gaps{at[0]};
  for (size_t i = 1; i < at.size(); ++i) gaps.push_back(at[i] - at[i - 1]);
  double mean = 0, sq = 0;
  for (double g : gaps) mean += g;
  mean /= static_cast<double>(gaps.size());
  for (double g : gaps) sq += (g - mean) * (g - mean);
  return std::sqrt(sq / static_cast<double>(gaps.size())) / mean;
}

TEST(LlmBenchArrivalSchedule, InfiniteRateSendsAllAtOnce) {
  for (double t : arrival_times(5, std::numeric_limits<double>::infinity(), 1.0, 0)) EXPECT_EQ(t, 0.0);
}

TEST(LlmBenchArrivalSchedule, PoissonAndGamma) {
  const auto poisson = arrival_times(4000, 20.0, 1.0, 7);
  EXPECT_NEAR(poisson.back(), 200.0, 1e-9);  // 4000 / 20 req/s
  for (size_t i = 1; i < poisson.size(); ++i) EXPECT_GE(poisson[i], poisson[i - 1]);
  EXPECT_NEAR(gap_cv(poisson), 1.0, 0.06);  // exponential gaps
  EXPECT_NEAR(gap_cv(arrival_times(4000, 20.0, 4.0, 7)), 0.5, 0.04);
  EXPECT_NEAR(gap_cv(arrival_times(4000, 20.0, 0.25, 7)), 2.0, 0.25);
  EXPECT_EQ(arrival_times(10, 5.0, 1.0, 1), arrival_times(10, 5.0, 1.0, 1));
  EXPECT_NE(arrival_times(10, 5.0, 1.0, 1), arrival_times(10, 5.0, 1.0, 2));
}

TEST(LlmBenchArrivalSchedule, RejectsNonsense) {
  EXPECT_THROW(arrival_times(10, 0.0, 1.0, 0), Error);
  EXPECT_THROW(arrival_times(10, 1.0, 0.0, 0), Error);
}

}  // namespace
}  // namespace llmc::bench
