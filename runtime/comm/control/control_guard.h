// The head's gatekeeper (internal to control/): one thread that answers ZeroMQ's authentication requests
// (ZAP, RFC 27) and watches the head's sockets for handshakes that fail before ZAP is asked.
//
// ZAP admits a CURVE client only when its public key is in the allowed set, and tags its connection with
// that key (the "User-Id" of every message it sends). libzmq admits every client of a CURVE server when no
// ZAP handler is bound, so the handler binds in the constructor, before any server socket exists, and stays
// bound until every socket of the context is closed (an unanswered request fails closed).
//
// Failed handshakes (no CURVE, another server key, garbage bytes) are seen through socket monitors. The
// head's context has a single I/O thread, so a failure event is followed directly by its connection's
// "disconnected" event, whose file descriptor names the peer (looked up when the connection was accepted;
// best effort: a connection closed before the lookup is logged as peer "?").
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace llmc::control {

class ControlGuard {
 public:
  // `allowed_keys` in binary (32 bytes each).
  ControlGuard(zmq::context_t& ctx, std::set<std::string> allowed_keys);
  ~ControlGuard();
  ControlGuard(const ControlGuard&) = delete;
  ControlGuard& operator=(const ControlGuard&) = delete;

  // Before start(): watch `socket` (named `name` in the log) for failed handshakes.
  void watch(zmq::socket_t& socket, const std::string& name);
  void start();
  uint64_t refused() const { return refused_.load(); }

 private:
  struct Watched {
    std::string name;
    zmq::socket_t monitor;
    std::map<int, std::string> peers;  // fd -> "ip:port" of accepted connections
    std::string pending_failure;       // reason of the last failed handshake, logged at its disconnect
    std::deque<int> unfinished;        // fds accepted whose handshake has not ended, in accept order
  };
  void run();
  void answer_zap();
  void read_monitor(Watched& w);

  zmq::context_t& ctx_;
  std::set<std::string> allowed_;
  zmq::socket_t zap_;
  std::vector<std::unique_ptr<Watched>> watched_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace llmc::control
