// Engine metrics: gauges, counters and latency histograms as plain data.
//
// The engine loop thread records a batch per step; any thread may take a snapshot (one mutex, held briefly).
// Rendering (Prometheus text) is the HTTP layer's job: counters only grow, histogram counts are per bucket
// (not cumulative) with a final +Inf bucket.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "runtime/head/finish_reason.h"
#include "runtime/head/scheduler.h"

namespace llmc {

struct HistogramSnapshot {
  std::vector<double> bounds;    // upper bounds, ascending
  std::vector<uint64_t> counts;  // bounds.size() + 1: counts[i] in (bounds[i-1], bounds[i]], last: > bounds.back()
  double sum = 0.0;
  uint64_t count = 0;
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  const HistogramSnapshot& data() const { return data_; }

 private:
  HistogramSnapshot data_;
};

struct MetricsSnapshot {
  // Gauges, as of the last step.
  int32_t num_running = 0;
  int32_t num_waiting = 0;            // includes the preempted ones and requests not yet seen by the loop
  int32_t num_preempted_waiting = 0;
  double kv_usage = 0.0;              // [0, 1]
  // Liveness, as of the snapshot (EngineLoop::metrics fills them; EngineLoop::Liveness says what they mean).
  double seconds_since_last_step = 0.0;
  bool stalled = false;
  // Counters.
  uint64_t num_preemptions = 0;
  uint64_t prefix_cache_queries = 0;  // tokens
  uint64_t prefix_cache_hits = 0;     // tokens
  uint64_t prompt_tokens = 0;
  uint64_t generation_tokens = 0;
  std::array<uint64_t, 5> finished_by_reason{};  // indexed by FinishReason (kNone unused)
  uint64_t rejected_overloaded = 0;
  uint64_t rejected_invalid = 0;
  // Histograms, in seconds.
  HistogramSnapshot queue_time;
  HistogramSnapshot time_to_first_token;
  HistogramSnapshot inter_token_latency;
  HistogramSnapshot e2e_latency;
  // Histograms of finished requests' sizes, in tokens (all n sequences' outputs together).
  HistogramSnapshot request_prompt_tokens;
  HistogramSnapshot request_generation_tokens;
};

// Observations of one engine step, recorded under one lock.
struct MetricsBatch {
  std::vector<double> queue_time, time_to_first_token, inter_token_latency, e2e_latency;
  std::vector<double> request_prompt_tokens, request_generation_tokens;
  uint64_t prompt_tokens = 0;
  uint64_t generation_tokens = 0;
  std::array<uint64_t, 5> finished_by_reason{};
};

class EngineMetrics {
 public:
  EngineMetrics();
  void record(const MetricsBatch& batch, const SchedulerStats& stats, int32_t num_inbox);
  void count_rejected(bool overloaded);
  MetricsSnapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  MetricsSnapshot gauges_and_counters_;
  Histogram queue_time_, ttft_, itl_, e2e_, prompt_tokens_, generation_tokens_;
};

}  // namespace llmc
