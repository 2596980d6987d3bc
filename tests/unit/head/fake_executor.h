// Executor test double: runs plans on FakeWorkers when collected, and can fail in the ways a real one can
// (throw on submit or collect, return an error result, never return, return the wrong step).
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "common/check.h"
#include "runtime/comm/executor.h"
#include "tests/unit/head/fake_workers.h"

namespace llmc::test {

class FakeExecutor : public Executor {
 public:
  FakeExecutor(int32_t num_blocks, int32_t block_size, Sampler sampler = default_token)
      : workers_(num_blocks, block_size, std::move(sampler)) {}

  void submit(const StepPlan& plan) override {
    if (plan.step_id == throw_on_submit) LLMC_FAIL() << "control plane link down";
    plans.push_back(plan);
    outstanding_.push_back(plan);
    max_outstanding = std::max(max_outstanding, outstanding_.size());
  }

  std::optional<StepResult> collect(std::chrono::steady_clock::time_point deadline) override {
    if (outstanding_.empty()) return std::nullopt;
    const StepPlan plan = outstanding_.front();
    if (plan.step_id == hang_at) {
      std::this_thread::sleep_until(deadline);
      return std::nullopt;
    }
    if (plan.step_id == throw_on_collect) LLMC_FAIL() << "worker 2 died";
    outstanding_.pop_front();
    StepResult r = workers_.run(plan);
    if (plan.step_id == error_at) r.error = "CUDA error: an illegal memory access was encountered (rank 1)";
    if (plan.step_id == wrong_step_at) r.step_id += 7;
    return r;
  }

  std::vector<StepPlan> plans;
  size_t max_outstanding = 0;
  uint64_t throw_on_submit = 0;
  uint64_t throw_on_collect = 0;
  uint64_t error_at = 0;
  uint64_t hang_at = 0;
  uint64_t wrong_step_at = 0;

 private:
  FakeWorkers workers_;
  std::deque<StepPlan> outstanding_;
};

}  // namespace llmc::test
