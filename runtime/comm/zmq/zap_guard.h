// The head's ZAP handler (ZeroMQ's authentication protocol, RFC 27): admits a CURVE client only when its
// public key is one the workers reported over MPI, and logs every refusal. It also watches the head's
// sockets for handshakes that fail before ZAP is asked (a client without CURVE, or with the wrong server key)
// and logs those too. Lives on its own thread; every wait there is bounded so it stops promptly.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace llmc {

class ZapGuard {
 public:
  ZapGuard(zmq::context_t& ctx, std::set<std::string> allowed_z85_keys);
  ~ZapGuard();
  // Before start(): also report failed handshakes on `socket`.
  void monitor(zmq::socket_t& socket);
  void start();
  uint64_t rejected() const { return rejected_; }

 private:
  void run();
  void answer_zap();
  void read_monitor(zmq::socket_t& monitor);

  zmq::context_t& ctx_;
  std::set<std::string> allowed_;
  zmq::socket_t handler_;
  std::vector<std::unique_ptr<zmq::socket_t>> monitors_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> rejected_{0};
  std::thread thread_;
};

}  // namespace llmc
