#include "runtime/cluster/remote_executor.h"

#include <spdlog/spdlog.h>

#include "common/check.h"

namespace llmc {

using Clock = std::chrono::steady_clock;

RemoteExecutor::RemoteExecutor(std::unique_ptr<HeadControl> control, RemoteExecutorOptions options)
    : control_(std::move(control)), options_(std::move(options)), thread_([this] { io_loop(); }) {}

RemoteExecutor::~RemoteExecutor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  control_->wake();
  thread_.join();
}

void RemoteExecutor::submit(const StepPlan& plan) {
  {
    std::lock_guard lock(mutex_);
    outgoing_.push_back(plan);
  }
  control_->wake();  // the I/O thread sleeps in poll until a result, a heartbeat is due, or this
}

std::optional<StepResult> RemoteExecutor::collect(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, deadline, [this] { return !results_.empty() || !failure_.empty(); });
  if (!failure_.empty()) LLMC_FAIL() << failure_;
  if (results_.empty()) return std::nullopt;
  StepResult r = std::move(results_.front());
  results_.pop_front();
  return r;
}

std::string RemoteExecutor::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

void RemoteExecutor::fail(const std::string& reason) {
  spdlog::error("{}", reason);
  std::lock_guard lock(mutex_);
  if (failure_.empty()) failure_ = reason;
  cv_.notify_all();
}

void RemoteExecutor::handle(const ControlMessage& m) {
  const auto who = options_.workers.count(m.sender) ? options_.workers.at(m.sender) : "?";
  if (m.type == MessageType::kError) {
    fail("worker rank " + std::to_string(m.sender) + " on " + who + " failed: " + m.error);
  } else if (m.type == MessageType::kResult) {
    if (m.sender != options_.sampling_rank) {
      spdlog::warn("dropped a result from rank {} (results come from rank {})", m.sender, options_.sampling_rank);
      return;
    }
    std::lock_guard lock(mutex_);
    results_.push_back(m.result);
    cv_.notify_all();
  }
}

void RemoteExecutor::check_heartbeats() {
  const auto now = Clock::now();
  for (const auto& [rank, who] : options_.workers) {
    const auto silent = std::chrono::duration_cast<std::chrono::seconds>(now - control_->last_heard(rank));
    if (silent >= options_.worker_timeout) {
      fail("worker rank " + std::to_string(rank) + " on " + who + " stopped responding (nothing heard for " +
           std::to_string(silent.count()) + " s): it died, hung or lost the network");
      return;
    }
  }
}

void RemoteExecutor::io_loop() {
  Clock::time_point next_heartbeat = Clock::now();
  for (;;) {
    std::deque<StepPlan> plans;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      plans.swap(outgoing_);
    }
    try {
      for (const StepPlan& p : plans) control_->publish_plan(p);
      if (Clock::now() >= next_heartbeat) {
        control_->send_heartbeat();
        next_heartbeat = Clock::now() + options_.heartbeat_interval;
        if (failure().empty()) check_heartbeats();
      }
      // Sleeps until a result arrives, submit() wakes it, or the next heartbeat is due.
      if (auto m = control_->poll(next_heartbeat)) handle(*m);
    } catch (const std::exception& e) {
      fail(std::string("control plane: ") + e.what());
    }
  }
  try {
    control_->shutdown();
  } catch (const std::exception& e) {
    spdlog::warn("shutting the workers down: {}", e.what());
  }
}

}  // namespace llmc
