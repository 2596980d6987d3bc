#include "bench/llm_bench/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "common/check.h"

namespace llmc::bench {

double percentile(std::vector<double> values, double p) {
  LLMC_CHECK(p >= 0.0 && p <= 100.0) << "percentile " << p << " is outside [0, 100]";
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

MetricStats summarize(const std::vector<double>& seconds, std::span<const double> percentiles) {
  MetricStats s;
  if (!seconds.empty()) {
    const double n = static_cast<double>(seconds.size());
    const double mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / n;
    double sq = 0.0;
    for (double v : seconds) sq += (v - mean) * (v - mean);
    s.mean_ms = mean * 1000.0;
    s.std_ms = std::sqrt(sq / n) * 1000.0;
    s.median_ms = percentile(seconds, 50.0) * 1000.0;
  }
  for (double p : percentiles) s.percentiles_ms.emplace_back(p, percentile(seconds, p) * 1000.0);
  return s;
}

namespace {

// vLLM's max_output_tokens_per_s: token arrival times (start + ttft, then + each itl) binned into whole
// seconds from the earliest start; the fullest bin.
double peak_output_tokens_per_s(std::span<const RequestOutput> outputs) {
  double t0 = 0.0, t1 = 0.0;
  bool any = false;
  for (const RequestOutput& o : outputs) {
    if (!o.success) continue;
    t0 = any ? std::min(t0, o.start_time) : o.start_time;
    t1 = any ? std::max(t1, o.start_time + o.latency) : o.start_time + o.latency;
    any = true;
  }
  if (!any) return 0.0;
  const size_t buckets = static_cast<size_t>(std::ceil(t1 - t0)) + 1;
  std::vector<double> tokens(buckets, 0.0);
  for (const RequestOutput& o : outputs) {
    if (!o.success) continue;
    double t = o.start_time + o.ttft;
    auto add = [&](double when) {
      const double b = std::floor(when - t0);
      if (b >= 0 && b < static_cast<double>(buckets)) tokens[static_cast<size_t>(b)] += 1.0;
    };
    add(t);
    for (double gap : o.itl) add(t += gap);
  }
  return *std::max_element(tokens.begin(), tokens.end());
}

int64_t peak_concurrency(std::span<const RequestOutput> outputs) {
  std::vector<std::pair<double, int>> events;
  for (const RequestOutput& o : outputs) {
    if (!o.success) continue;
    events.emplace_back(o.start_time, 1);
    events.emplace_back(o.start_time + o.latency, -1);
  }
  std::sort(events.begin(), events.end());  // at equal times -1 sorts first: intervals are half-open
  int64_t now = 0, peak = 0;
  for (const auto& [t, delta] : events) peak = std::max(peak, now += delta);
  return peak;
}

}  // namespace

BenchmarkMetrics calculate_metrics(std::span<const RequestOutput> outputs, double duration_s,
                                   std::span<const double> percentiles) {
  LLMC_CHECK(duration_s > 0.0) << "benchmark duration must be positive, got " << duration_s;
  BenchmarkMetrics m;
  std::vector<double> ttfts, tpots, itls, e2els;
  for (const RequestOutput& o : outputs) {
    if (!o.success) {
      ++m.failed;
      m.output_lens.push_back(0);
      continue;
    }
    const int64_t out_len = o.output_tokens;
    m.output_lens.push_back(out_len);
    m.total_input += o.prompt_len;
    m.total_cached_tokens += o.cached_tokens;
    // TPOT excludes the first token: the decode time spread over the tokens after it. A one-token request
    // has none and contributes no TPOT sample (vLLM counts it as 0 only for goodput).
    if (out_len > 1) tpots.push_back((o.latency - o.ttft) / static_cast<double>(out_len - 1));
    itls.insert(itls.end(), o.itl.begin(), o.itl.end());
    ttfts.push_back(o.ttft);
    e2els.push_back(o.latency);
    ++m.completed;
  }
  for (int64_t n : m.output_lens) m.total_output += n;
  m.request_throughput = static_cast<double>(m.completed) / duration_s;
  m.output_throughput = static_cast<double>(m.total_output) / duration_s;
  m.total_token_throughput = static_cast<double>(m.total_input + m.total_output) / duration_s;
  m.ttft = summarize(ttfts, percentiles);
  m.tpot = summarize(tpots, percentiles);
  m.itl = summarize(itls, percentiles);
  m.e2el = summarize(e2els, percentiles);
  m.max_output_tokens_per_s = peak_output_tokens_per_s(outputs);
  m.max_concurrent_requests = peak_concurrency(outputs);
  return m;
}

std::string percentile_word(double p) {
  if (p == std::floor(p)) return std::to_string(static_cast<int64_t>(p));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, p);  // shortest round-trip form, as Python's str()
  return std::string(buf, r.ptr);
}

std::string percentile_key(double p, const std::string& metric) {
  // Appends, not operator+ on temporaries: g++ 12 warns falsely (-Wrestrict) on the latter.
  std::string key = "p";
  key.append(percentile_word(p)).append("_").append(metric).append("_ms");
  return key;
}

}  // namespace llmc::bench
