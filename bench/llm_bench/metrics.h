// The summary of a run, computed as vLLM's calculate_metrics (vllm/benchmarks/serve.py) computes it; the
// definitions are written out in docs/benchmarking.md. Only successful requests enter the latency statistics
// and token totals; failed ones are counted in `failed` and their output length is 0.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bench/llm_bench/request_output.h"

namespace llmc::bench {

// numpy.percentile's default (linear interpolation between closest ranks); 0 for an empty list, as vLLM's
// `np.percentile(values or 0, p)`. p in [0, 100].
double percentile(std::vector<double> values, double p);

struct MetricStats {
  double mean_ms = 0.0;
  double median_ms = 0.0;
  double std_ms = 0.0;  // population standard deviation (numpy's default ddof=0)
  std::vector<std::pair<double, double>> percentiles_ms;  // (p, value)
};

// Mean, median, std and the given percentiles of `seconds`, in milliseconds.
MetricStats summarize(const std::vector<double>& seconds, std::span<const double> percentiles);

struct BenchmarkMetrics {
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t total_input = 0;              // sum of prompt_len over successful requests
  int64_t total_output = 0;             // sum of output_lens
  double request_throughput = 0.0;      // completed / duration
  double output_throughput = 0.0;       // total_output / duration
  double total_token_throughput = 0.0;  // (total_input + total_output) / duration
  MetricStats ttft, tpot, itl, e2el;
  double max_output_tokens_per_s = 0.0;  // busiest one-second bucket of token arrival times
  int64_t max_concurrent_requests = 0;   // most requests in flight at once (half-open [start, end))
  int64_t total_cached_tokens = 0;       // ours: sum of usage.prompt_tokens_details.cached_tokens
  std::vector<int64_t> output_lens;      // per request: output_tokens, 0 when it failed
};

BenchmarkMetrics calculate_metrics(std::span<const RequestOutput> outputs, double duration_s,
                                   std::span<const double> percentiles);

// "99" for 99.0, "99.9" for 99.9: the key vLLM writes (p99_ttft_ms, p99.9_ttft_ms).
std::string percentile_word(double p);
// "p99_ttft_ms": the result-file key of percentile p of a metric (ttft, tpot, itl, e2el).
std::string percentile_key(double p, const std::string& metric);

}  // namespace llmc::bench
