// Helpers for the control-plane tests: keys, a head with its workers on 127.0.0.1, the handshake driven
// from one thread, and a log sink that records what the head warned about.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/comm/control/control_plane.h"

namespace llmc::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct ClusterKeys {
  CurveKeys server = generate_curve_keys();
  std::map<int32_t, CurveKeys> workers;

  explicit ClusterKeys(const std::vector<int32_t>& ranks) {
    for (int32_t r : ranks) workers[r] = generate_curve_keys();
  }
  std::set<std::string> allowed() const {
    std::set<std::string> keys;
    for (const auto& [rank, k] : workers) keys.insert(k.public_key);
    return keys;
  }
  std::map<int32_t, std::string> rank_keys() const {
    std::map<int32_t, std::string> keys;
    for (const auto& [rank, k] : workers) keys[rank] = k.public_key;
    return keys;
  }
};

inline std::unique_ptr<HeadControl> make_head(const ClusterKeys& keys, HeadControlOptions options = {}) {
  return std::make_unique<HeadControl>("127.0.0.1", keys.server, keys.allowed(), std::move(options));
}

inline std::unique_ptr<WorkerControl> make_worker(const HeadControl& head, const ClusterKeys& keys,
                                                  int32_t rank) {
  return std::make_unique<WorkerControl>(rank, head.plan_endpoint(), head.result_endpoint(),
                                         keys.server.public_key, keys.workers.at(rank));
}

// Runs head.handshake on a helper thread while `workers` answer hellos here; rethrows its error.
inline void run_handshake(HeadControl& head, const std::vector<WorkerControl*>& workers,
                          const std::vector<int32_t>& ranks, Clock::duration timeout) {
  std::exception_ptr error;
  bool done = false;
  std::mutex m;
  std::thread t([&] {
    try {
      head.handshake(ranks, Clock::now() + timeout);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(m);
    done = true;
  });
  for (;;) {
    {
      std::lock_guard lock(m);
      if (done) break;
    }
    for (WorkerControl* w : workers) w->next(Clock::now() + 2ms);
    if (workers.empty()) std::this_thread::sleep_for(2ms);
  }
  t.join();
  if (error) std::rethrow_exception(error);
}

template <typename Pred>
bool eventually(Pred pred, Clock::duration timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Replaces the default logger while alive; contains() may be called while other threads log.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  bool contains(const std::string& a, const std::string& b = "") const { return sink_->contains(a, b); }
  std::string text() const { return sink_->text(); }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    bool contains(const std::string& a, const std::string& b) {
      std::lock_guard lock(mutex_);
      for (const std::string& line : lines_) {
        if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
      }
      return false;
    }
    std::string text() {
      std::lock_guard lock(mutex_);
      std::string all;
      for (const std::string& line : lines_) all += line + "\n";
      return all;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      lines_.emplace_back(msg.payload.begin(), msg.payload.end());
    }
    void flush_() override {}

   private:
    std::vector<std::string> lines_;
  };
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace llmc::test
