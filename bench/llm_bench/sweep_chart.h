// The --sweep picture: one panel per latency metric (TTFT, TPOT, ITL, E2EL), output token throughput across,
// latency up, a line each for the median and every chosen percentile, each point labelled with its
// concurrency. A plain SVG file: opens in any browser, diffs as text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/llm_bench/metrics.h"

namespace llmc::bench {

struct SweepPoint {
  int64_t concurrency = 0;
  BenchmarkMetrics metrics;
};

std::string sweep_chart_svg(std::span<const SweepPoint> points, const std::vector<std::string>& metric_keys,
                            const std::string& title);

}  // namespace llmc::bench
