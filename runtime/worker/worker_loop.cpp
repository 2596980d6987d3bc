#include "runtime/worker/worker_loop.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/check.h"

namespace llmc {
namespace {

using Clock = std::chrono::steady_clock;

// Sends heartbeats on its own thread, so a long step does not look like a dead worker.
class HeartbeatThread {
 public:
  HeartbeatThread(WorkerControl& control, std::chrono::milliseconds interval)
      : thread_([this, &control, interval] {
          std::unique_lock lock(mutex_);
          while (!stop_) {
            lock.unlock();
            control.send_heartbeat();
            lock.lock();
            cv_.wait_for(lock, interval, [this] { return stop_; });
          }
        }) {}
  ~HeartbeatThread() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// After reporting an error: the head fails the in-flight requests (their clients get an error reply, /health
// turns 503) and then ends the job. Killing the job from here at once would cut those replies off, so wait for
// the head's shutdown for up to `grace`; past it this rank's own error ends the job (main aborts).
void give_head_time_to_end_the_job(WorkerControl& control, std::chrono::seconds grace) {
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    try {
      std::optional<ControlMessage> m = control.next(deadline);
      if (m && m->type == MessageType::kShutdown) return;
    } catch (const std::exception&) {
      return;  // plans out of sequence while failing: nothing more to wait for
    }
  }
}

}  // namespace

void run_worker_loop(WorkerControl& control, StepRunner& runner, const WorkerLoopOptions& options) {
  HeartbeatThread heartbeat(control, options.heartbeat_interval);
  Clock::time_point last_from_head = Clock::now();
  bool heard = false;
  for (;;) {
    std::optional<ControlMessage> message = control.next(Clock::now() + std::chrono::milliseconds(200));
    if (!message) {
      const auto silent = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - last_from_head);
      const auto limit = heard ? options.head_timeout : options.first_contact_timeout;
      LLMC_CHECK(silent < limit) << "no word from the head at " << options.head_endpoint << " for " << silent.count()
                                 << " s (limit " << limit.count()
                                 << " s): it died, or this rank cannot reach it (wrong --host-ip/--ifname?)";
      continue;
    }
    heard = true;
    last_from_head = Clock::now();
    if (message->type == MessageType::kShutdown) return;
    if (message->type != MessageType::kPlan) continue;  // heartbeats, hellos (answered by the control)
    StepResult result;
    try {
      result = runner.run(message->plan);
    } catch (const std::exception& e) {
      control.send_error(e.what());
      give_head_time_to_end_the_job(control, options.head_timeout);
      throw;
    }
    if (options.reports_results) control.send_result(result);
  }
}

}  // namespace llmc
