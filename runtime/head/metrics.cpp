#include "runtime/head/metrics.h"

#include <algorithm>

#include "common/check.h"

namespace llmc {
namespace {

std::vector<double> latency_buckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
          80.0, 160.0, 640.0, 2560.0};
}

std::vector<double> inter_token_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 20.0, 80.0};
}

// Powers of 1, 2, 5 up to a million tokens (vLLM builds its token buckets the same way from max_model_len).
std::vector<double> token_buckets() {
  std::vector<double> b;
  for (double decade = 1; decade <= 1e6; decade *= 10) {
    for (double m : {1.0, 2.0, 5.0}) b.push_back(m * decade);
  }
  return b;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) {
  LLMC_CHECK(std::is_sorted(bounds.begin(), bounds.end())) << "Histogram: bucket bounds must ascend";
  data_.counts.assign(bounds.size() + 1, 0);
  data_.bounds = std::move(bounds);
}

void Histogram::observe(double value) {
  const auto bucket = std::lower_bound(data_.bounds.begin(), data_.bounds.end(), value) - data_.bounds.begin();
  ++data_.counts[static_cast<size_t>(bucket)];
  data_.sum += value;
  ++data_.count;
}

EngineMetrics::EngineMetrics()
    : queue_time_(latency_buckets()),
      ttft_(latency_buckets()),
      itl_(inter_token_buckets()),
      e2e_(latency_buckets()),
      prompt_tokens_(token_buckets()),
      generation_tokens_(token_buckets()) {}

void EngineMetrics::record(const MetricsBatch& batch, const SchedulerStats& stats, int32_t num_inbox) {
  std::lock_guard lock(mutex_);
  MetricsSnapshot& m = gauges_and_counters_;
  m.num_running = stats.num_running;
  m.num_waiting = stats.num_waiting + num_inbox;
  m.num_preempted_waiting = stats.num_preempted_waiting;
  m.kv_usage = stats.kv_usage;
  m.num_preemptions = stats.num_preemptions;
  m.prefix_cache_queries = stats.prefix_cache_queries;
  m.prefix_cache_hits = stats.prefix_cache_hits;
  m.prompt_tokens += batch.prompt_tokens;
  m.generation_tokens += batch.generation_tokens;
  for (size_t i = 0; i < m.finished_by_reason.size(); ++i) m.finished_by_reason[i] += batch.finished_by_reason[i];
  for (const double v : batch.queue_time) queue_time_.observe(v);
  for (const double v : batch.time_to_first_token) ttft_.observe(v);
  for (const double v : batch.inter_token_latency) itl_.observe(v);
  for (const double v : batch.e2e_latency) e2e_.observe(v);
  for (const double v : batch.request_prompt_tokens) prompt_tokens_.observe(v);
  for (const double v : batch.request_generation_tokens) generation_tokens_.observe(v);
}

void EngineMetrics::count_rejected(bool overloaded) {
  std::lock_guard lock(mutex_);
  ++(overloaded ? gauges_and_counters_.rejected_overloaded : gauges_and_counters_.rejected_invalid);
}

MetricsSnapshot EngineMetrics::snapshot() const {
  std::lock_guard lock(mutex_);
  MetricsSnapshot s = gauges_and_counters_;
  s.queue_time = queue_time_.data();
  s.time_to_first_token = ttft_.data();
  s.inter_token_latency = itl_.data();
  s.e2e_latency = e2e_.data();
  s.request_prompt_tokens = prompt_tokens_.data();
  s.request_generation_tokens = generation_tokens_.data();
  return s;
}

}  // namespace llmc
