// Socket plumbing shared by the head and worker sides of the control plane (internal to control/).
#pragma once

#include <chrono>
#include <string>
#include <zmq.hpp>

namespace llmc::control {

using Clock = std::chrono::steady_clock;

// The 32-byte binary form of a Z85 CURVE key; throws llmc::Error naming `what` when it is not one.
std::string decode_curve_key(const std::string& z85, const std::string& what);
std::string encode_curve_key(const std::string& binary);
// Throws unless `secret` is a valid key whose public half is `public_key`.
void check_key_pair(const std::string& public_key, const std::string& secret, const std::string& what);
// Throws when libzmq cannot do CURVE (built without libsodium).
void require_curve();

// Linger 0, IPv4 only, TCP keepalive, bounded handshake: what every control-plane socket gets.
void set_common_options(zmq::socket_t& socket);
// Throws unless `ip` is a dotted IPv4 address.
void check_ipv4(const std::string& ip, const std::string& what);
// Throws unless `endpoint` is "tcp://A.B.C.D:PORT".
void check_tcp_endpoint(const std::string& endpoint, const std::string& what);
// Binds on ip:port (port 0: any free port) and returns the bound endpoint.
std::string bind_tcp(zmq::socket_t& socket, const std::string& ip, int port, const std::string& what);

// Milliseconds until `deadline`, rounded up; 0 when it has passed.
long timeout_ms(Clock::time_point deadline);
// An eventfd another thread can signal to end a wait_readable early (signal() is thread-safe).
class WakeFd {
 public:
  WakeFd();
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;
  void signal();
  bool drain();  // true when it had been signalled
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `socket` has a message or the deadline passes; true when it has one. With `wake`, a signal ends
// the wait early (returning false).
bool wait_readable(zmq::socket_t& socket, Clock::time_point deadline, WakeFd* wake = nullptr);
// A message property set by libzmq ("User-Id", "Peer-Address"); "?" when absent.
std::string message_property(zmq::message_t& message, const char* name);

}  // namespace llmc::control
