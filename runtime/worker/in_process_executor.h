// An Executor whose worker lives in the head's own process (a single-rank run: `llm-cluster generate MODEL`
// without mpirun, or tp = pp = 1 with the head beside worker 0). Plans run on a dedicated thread so the head
// can plan step k+1 while step k executes, exactly as with remote workers.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/comm/executor.h"
#include "runtime/worker/step_runner.h"

namespace llmc {

class InProcessExecutor final : public Executor {
 public:
  explicit InProcessExecutor(std::unique_ptr<StepRunner> runner);
  ~InProcessExecutor() override;

  void submit(const StepPlan& plan) override;
  std::optional<StepResult> collect(std::chrono::steady_clock::time_point deadline) override;

 private:
  void work();

  std::unique_ptr<StepRunner> runner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<StepPlan> plans_;
  std::deque<StepResult> results_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace llmc
