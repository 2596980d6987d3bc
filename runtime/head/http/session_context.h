// What every connection of one server shares (internal to the HTTP server).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "runtime/head/http/api_service.h"

namespace llmc::http_api {

// Engine callbacks post to connections only while the gate is open; the server closes it before its I/O
// context goes away, so a late output never touches a destroyed context. Shared with the callbacks, which
// may outlive the server.
struct OutputGate {
  std::mutex mutex;
  bool open = true;
};

struct SessionContext {
  explicit SessionContext(ApiService& s) : service(s), gate(std::make_shared<OutputGate>()) {}

  ApiService& service;
  std::shared_ptr<OutputGate> gate;
  std::atomic<int> active_generations{0};  // exchanges waiting on the engine (the drain waits for them)

  // Engine ids in flight, so a drain that runs out of time can abort them.
  void track(const std::vector<RequestId>& ids) {
    std::lock_guard lock(ids_mutex_);
    in_flight_.insert(ids.begin(), ids.end());
  }
  void untrack(const std::vector<RequestId>& ids) {
    std::lock_guard lock(ids_mutex_);
    for (const RequestId id : ids) in_flight_.erase(id);
  }
  std::vector<RequestId> in_flight() const {
    std::lock_guard lock(ids_mutex_);
    return {in_flight_.begin(), in_flight_.end()};
  }

 private:
  mutable std::mutex ids_mutex_;
  std::unordered_set<RequestId> in_flight_;
};

}  // namespace llmc::http_api
