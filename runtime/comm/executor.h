// How the head's engine loop reaches the workers: the in-process worker (runtime/worker) and the ZeroMQ
// control plane (runtime/cluster) implement it; tests use fakes. It lives in runtime/comm beside the plan and
// result types it carries, so neither side includes the other's headers.
//
// Plans are submitted in step order and results collected in the same order; at most
// SchedulerConfig::max_plans_in_flight plans are outstanding, so the head can plan step k+1 while step k runs.
// A thrown exception or a StepResult with a non-empty error is fatal: the engine fails every request with
// finish_reason "error" and refuses new ones.
#pragma once

#include <chrono>
#include <optional>

#include "runtime/comm/step_plan.h"

namespace llmc {

class Executor {
 public:
  virtual ~Executor() = default;
  // Starts executing `plan` and returns without waiting for it.
  virtual void submit(const StepPlan& plan) = 0;
  // The result of the oldest outstanding plan, or nullopt if it is not ready by `deadline` (never waits past it).
  virtual std::optional<StepResult> collect(std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace llmc
