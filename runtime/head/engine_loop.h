// The head's engine loop: owns the scheduler and the request outputs, and drives an Executor.
//
// Request API (any thread): submit() validates, applies the queue bounds and returns the request's id at once;
// outputs arrive through the request's callback, on the engine loop thread. abort() ends a request (its
// callback gets a last output with finish_reason "abort"). Engine thread: step() does one iteration: take new
// requests and aborts, plan while fewer than max_plans_in_flight plans are outstanding, then wait (until a
// deadline) for the oldest result, apply it and deliver outputs. start()/stop() run step() on an own thread.
// An executor exception, an error StepResult, a protocol mismatch or a step timeout kills the engine: every
// request gets finish_reason "error", every block is freed, and submit() throws SubmitError::kEngineDead.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/head/engine_config.h"
#include "runtime/comm/executor.h"
#include "runtime/head/generation_request.h"
#include "runtime/head/metrics.h"
#include "runtime/head/output_processor.h"
#include "runtime/head/scheduler.h"

namespace llmc {

class EngineLoop {
 public:
  // num_blocks: the KV blocks every worker reported it can hold (the minimum over workers).
  EngineLoop(EngineConfig config, int32_t num_blocks, std::unique_ptr<Executor> executor);
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Thread-safe. Returns the request id (sequence ids id .. id + n - 1 in plans). Throws SubmitError.
  RequestId submit(GenerationRequest request, OutputCallback on_output);
  // The submit-time checks alone (what submit would refuse as invalid, not the queue bounds). Throws SubmitError.
  void validate(const GenerationRequest& request) const;
  // Thread-safe; unknown or finished ids are ignored.
  void abort(RequestId id);

  // One iteration on the engine thread; waits at most about max_wait. Returns whether anything happened.
  bool step(std::chrono::milliseconds max_wait);
  void start(std::chrono::milliseconds poll = std::chrono::milliseconds(20));
  void stop();  // returns within about poll + the executor's collect overrun

  bool dead() const;
  std::string dead_reason() const;
  // Progress, readable from any thread without waiting on the engine thread (which may be the one stuck).
  // A step counts when its result is applied, or when the loop finds nothing to do; `stalled` is work
  // waiting (queued, running or in flight) with no step for longer than step_timeout: the engine is alive
  // but deadlocked or wedged, which /health reports.
  struct Liveness {
    double seconds_since_last_step = 0;
    bool busy = false;
    bool stalled = false;
  };
  Liveness liveness() const;
  std::chrono::milliseconds step_timeout() const { return config_.step_timeout; }
  MetricsSnapshot metrics() const;  // the engine thread's last snapshot plus the liveness gauges
  // Engine thread (or while stopped): nothing queued, running or in flight.
  bool idle() const;
  const Scheduler& scheduler() const { return scheduler_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Incoming {
    RequestId id;
    GenerationRequest request;
    OutputCallback callback;
    Clock::time_point arrival;
  };

  Clock::time_point now() const { return config_.clock ? config_.clock() : Clock::now(); }
  bool take_inbox(MetricsBatch& batch);
  bool plan(MetricsBatch& batch);
  void apply_result(StepResult result, MetricsBatch& batch);
  bool await_result(Clock::time_point deadline, MetricsBatch& batch);
  void fail(const std::string& reason, MetricsBatch& batch);
  void finish_step(MetricsBatch& batch);
  void wait_for_inbox(Clock::time_point deadline);
  uint64_t next_seed();

  EngineConfig config_;
  int32_t num_blocks_;
  std::unique_ptr<Executor> executor_;
  Scheduler scheduler_;
  OutputProcessor outputs_;
  EngineMetrics metrics_;
  struct Outstanding {
    uint64_t step_id;
    Clock::time_point submitted;
  };
  std::deque<Outstanding> in_flight_;  // plans submitted, results not yet applied

  mutable std::mutex inbox_mutex_;  // guards everything below
  std::condition_variable inbox_ready_;
  std::vector<Incoming> inbox_;
  std::vector<RequestId> aborts_;
  int32_t queued_requests_ = 0;
  int64_t queued_tokens_ = 0;
  RequestId next_id_ = 1;
  uint64_t seed_state_ = 0;
  bool dead_ = false;
  std::string dead_reason_;
  bool stopping_ = false;

  // Liveness: steady-clock time of the last step (ns), and whether work waits (set by submit and by each
  // step's end, both under inbox_mutex_, so a submit is never overwritten by a stale "idle").
  std::atomic<int64_t> last_step_ns_;
  std::atomic<bool> busy_{false};

  std::jthread thread_;
};

}  // namespace llmc
