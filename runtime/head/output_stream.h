// A thread-safe queue of one request's outputs, for a consumer thread that pulls (offline generation, tests, or
// an HTTP handler that prefers pulling to callbacks). Bounded by construction: a request produces at most
// max_tokens + 1 outputs per sequence.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "runtime/head/request_output.h"

namespace llmc {

class OutputStream : public std::enable_shared_from_this<OutputStream> {
 public:
  static std::shared_ptr<OutputStream> create() { return std::shared_ptr<OutputStream>(new OutputStream()); }

  // The callback to pass to EngineLoop::submit; it keeps the stream alive.
  OutputCallback callback();
  void push(RequestOutput output);
  // The next output, or nullopt when none arrived by `deadline`.
  std::optional<RequestOutput> next(std::chrono::steady_clock::time_point deadline);
  // True once the output with finished == true has been pushed.
  bool finished() const;

 private:
  OutputStream() = default;

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<RequestOutput> queue_;
  bool finished_ = false;
};

}  // namespace llmc
