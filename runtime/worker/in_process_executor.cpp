#include "runtime/worker/in_process_executor.h"

#include <exception>

namespace llmc {

InProcessExecutor::InProcessExecutor(std::unique_ptr<StepRunner> runner)
    : runner_(std::move(runner)), thread_([this] { work(); }) {}

InProcessExecutor::~InProcessExecutor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void InProcessExecutor::submit(const StepPlan& plan) {
  {
    std::lock_guard lock(mutex_);
    plans_.push_back(plan);
  }
  cv_.notify_all();
}

std::optional<StepResult> InProcessExecutor::collect(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_until(lock, deadline, [this] { return !results_.empty(); })) return std::nullopt;
  StepResult r = std::move(results_.front());
  results_.pop_front();
  return r;
}

void InProcessExecutor::work() {
  for (;;) {
    StepPlan plan;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !plans_.empty(); });
      if (stopping_) return;
      plan = std::move(plans_.front());
      plans_.pop_front();
    }
    StepResult result;
    try {
      result = runner_->run(plan);
    } catch (const std::exception& e) {
      // The worker loop boundary: the error travels to the head as the step's result.
      result = StepResult{};
      result.step_id = plan.step_id;
      result.error = e.what();
    }
    {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(result));
    }
    cv_.notify_all();
  }
}

}  // namespace llmc
