#include "bench/llm_bench/arrival_schedule.h"

#include <cmath>
#include <random>

#include "common/check.h"

namespace llmc::bench {

std::vector<double> arrival_times(int64_t num_requests, double request_rate, double burstiness,
                                  uint64_t seed) {
  LLMC_CHECK(num_requests > 0) << "no requests to schedule";
  LLMC_CHECK(request_rate > 0.0) << "--request-rate must be positive (or inf), got " << request_rate;
  LLMC_CHECK(burstiness > 0.0) << "--burstiness must be positive, got " << burstiness;
  std::vector<double> at(static_cast<size_t>(num_requests), 0.0);
  if (std::isinf(request_rate)) return at;
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> gap(burstiness, 1.0 / (request_rate * burstiness));
  double t = 0.0;
  for (double& a : at) a = (t += std::isinf(burstiness) ? 1.0 / request_rate : gap(rng));
  const double scale = static_cast<double>(num_requests) / request_rate / at.back();
  for (double& a : at) a *= scale;
  return at;
}

}  // namespace llmc::bench
