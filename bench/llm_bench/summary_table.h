// The terminal report, laid out as `vllm bench serve` prints it (so eyes and scripts used to it find their
// lines): 40-column labels, "Mean TTFT (ms):", "P99 TPOT (ms):", ..., plus the first errors of failed
// requests.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/llm_bench/metrics.h"
#include "bench/llm_bench/request_output.h"

namespace llmc::bench {

struct SummaryContext {
  double duration_s = 0.0;
  double request_rate = 0.0;
  std::optional<int64_t> max_concurrency;
  std::vector<std::string> percentile_metrics;  // ttft, tpot, itl, e2el: which blocks to print
  std::string stopped;                          // why the run ended early, if it did
};

std::string format_summary(const BenchmarkMetrics& metrics, std::span<const RequestOutput> outputs,
                           const SummaryContext& context);

}  // namespace llmc::bench
