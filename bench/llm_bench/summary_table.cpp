#include "bench/llm_bench/summary_table.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace llmc::bench {

namespace {

std::string line(const std::string& label, const std::string& value) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-40s %-10s\n", label.c_str(), value.c_str());
  return buf;
}
std::string fixed(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
std::string header(const std::string& title, char fill) {
  const size_t width = 50;
  if (title.size() >= width) return title + "\n";
  const size_t left = (width - title.size()) / 2;
  return std::string(left, fill) + title + std::string(width - title.size() - left, fill) + "\n";
}

}  // namespace

std::string format_summary(const BenchmarkMetrics& m, std::span<const RequestOutput> outputs,
                           const SummaryContext& c) {
  std::string s = header(" Serving Benchmark Result ", '=');
  s += line("Successful requests:", std::to_string(m.completed));
  s += line("Failed requests:", std::to_string(m.failed));
  if (c.max_concurrency) s += line("Maximum request concurrency:", std::to_string(*c.max_concurrency));
  if (!std::isinf(c.request_rate)) s += line("Request rate configured (RPS):", fixed(c.request_rate));
  s += line("Benchmark duration (s):", fixed(c.duration_s));
  s += line("Total input tokens:", std::to_string(m.total_input));
  s += line("Total generated tokens:", std::to_string(m.total_output));
  s += line("Total cached prompt tokens:", std::to_string(m.total_cached_tokens));
  s += line("Request throughput (req/s):", fixed(m.request_throughput));
  s += line("Output token throughput (tok/s):", fixed(m.output_throughput));
  s += line("Peak output token throughput (tok/s):", fixed(m.max_output_tokens_per_s));
  s += line("Peak concurrent requests:", fixed(static_cast<double>(m.max_concurrent_requests)));
  s += line("Total Token throughput (tok/s):", fixed(m.total_token_throughput));
  const struct {
    const char* key;
    const char* name;
    const char* title;
    const MetricStats& stats;
  } blocks[] = {{"ttft", "TTFT", "Time to First Token", m.ttft},
                {"tpot", "TPOT", "Time per Output Token (excl. 1st token)", m.tpot},
                {"itl", "ITL", "Inter-token Latency", m.itl},
                {"e2el", "E2EL", "End-to-end Latency", m.e2el}};
  for (const auto& b : blocks) {
    if (std::find(c.percentile_metrics.begin(), c.percentile_metrics.end(), b.key) ==
        c.percentile_metrics.end())
      continue;
    s += header(b.title, '-');
    s += line(std::string("Mean ") + b.name + " (ms):", fixed(b.stats.mean_ms));
    s += line(std::string("Median ") + b.name + " (ms):", fixed(b.stats.median_ms));
    for (const auto& [p, v] : b.stats.percentiles_ms) {
      std::string label = "P";
      label.append(percentile_word(p)).append(" ").append(b.name).append(" (ms):");
      s += line(label, fixed(v));
    }
  }
  s += std::string(50, '=') + "\n";
  if (m.failed > 0) {
    // Group identical reasons so one cause does not hide another.
    std::map<std::string, int64_t> reasons;
    for (const RequestOutput& o : outputs) {
      if (!o.success) ++reasons[o.error];
    }
    s += "Failed requests by reason:\n";
    int shown = 0;
    for (const auto& [why, count] : reasons) {
      if (++shown > 10) break;
      s += "  " + std::to_string(count) + " x " + why + "\n";
    }
  }
  if (!c.stopped.empty()) s += "RUN STOPPED EARLY: " + c.stopped + "\n";
  return s;
}

}  // namespace llmc::bench
