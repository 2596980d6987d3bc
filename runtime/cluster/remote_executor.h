// The head's Executor over the ZeroMQ control plane. One I/O thread owns the head's sockets: it publishes
// submitted plans in order, collects results from the sampling rank, sends heartbeats and watches every
// worker's. A silent worker, an error from any worker, or a result out of order ends the executor: collect()
// then throws, which kills the engine loop and fails every request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/comm/control/control_plane.h"
#include "runtime/comm/executor.h"

namespace llmc {

struct RemoteExecutorOptions {
  int sampling_rank = 0;                       // world rank that sends results
  std::map<int, std::string> workers;          // world rank -> "host (address)" for messages
  std::chrono::seconds worker_timeout{10};     // heartbeat silence that declares a worker dead
  std::chrono::milliseconds heartbeat_interval{500};
};

class RemoteExecutor final : public Executor {
 public:
  RemoteExecutor(std::unique_ptr<HeadControl> control, RemoteExecutorOptions options);
  ~RemoteExecutor() override;  // tells the workers to shut down

  void submit(const StepPlan& plan) override;
  std::optional<StepResult> collect(std::chrono::steady_clock::time_point deadline) override;
  // Non-empty once a worker failed or fell silent.
  std::string failure() const;

 private:
  void io_loop();
  void handle(const ControlMessage& message);
  void check_heartbeats();
  void fail(const std::string& reason);

  std::unique_ptr<HeadControl> control_;
  RemoteExecutorOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<StepPlan> outgoing_;
  std::deque<StepResult> results_;
  std::string failure_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace llmc
