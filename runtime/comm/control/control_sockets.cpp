#include "runtime/comm/control/control_sockets.h"

#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <charconv>

#include "common/check.h"

namespace llmc::control {
namespace {

constexpr size_t kZ85KeyChars = 40;
constexpr size_t kBinaryKeyBytes = 32;
// A peer that connects and never finishes the CURVE handshake is dropped after this long (libzmq's default
// is 30 s, long enough to hold many idle connections open against us).
constexpr int kHandshakeMs = 5000;
// Half-open TCP connections (a node that lost power) are found within idle + count * interval seconds; the
// heartbeats find a dead peer sooner, keepalive keeps idle connections alive through firewalls and NAT.
constexpr int kKeepaliveIdleS = 10;
constexpr int kKeepaliveIntervalS = 5;
constexpr int kKeepaliveCount = 3;

}  // namespace

std::string decode_curve_key(const std::string& z85, const std::string& what) {
  LLMC_CHECK(z85.size() == kZ85KeyChars)
      << what << ": a CURVE key is " << kZ85KeyChars << " Z85 characters, got " << z85.size();
  std::string binary(kBinaryKeyBytes, '\0');
  LLMC_CHECK(zmq_z85_decode(reinterpret_cast<uint8_t*>(binary.data()), z85.c_str()) != nullptr)
      << what << ": \"" << z85 << "\" is not valid Z85 text";
  return binary;
}

std::string encode_curve_key(const std::string& binary) {
  LLMC_CHECK(binary.size() == kBinaryKeyBytes) << "CURVE key of " << binary.size() << " bytes, expected 32";
  char z85[kZ85KeyChars + 1];
  zmq_z85_encode(z85, reinterpret_cast<const uint8_t*>(binary.data()), binary.size());
  return std::string(z85, kZ85KeyChars);
}

void check_key_pair(const std::string& public_key, const std::string& secret, const std::string& what) {
  decode_curve_key(public_key, what + " public key");
  decode_curve_key(secret, what + " secret key");
  char derived[kZ85KeyChars + 1];
  LLMC_CHECK(zmq_curve_public(derived, secret.c_str()) == 0)
      << what << ": cannot derive the public key (" << zmq_strerror(zmq_errno()) << ")";
  LLMC_CHECK(public_key == derived) << what << ": the public key does not belong to the secret key";
}

void require_curve() {
  LLMC_CHECK(zmq_has("curve"))
      << "this libzmq was built without CURVE security (libsodium); the control plane "
         "refuses to run unencrypted";
}

void set_common_options(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::ipv6, 0);
  socket.set(zmq::sockopt::handshake_ivl, kHandshakeMs);
  socket.set(zmq::sockopt::tcp_keepalive, 1);
  socket.set(zmq::sockopt::tcp_keepalive_idle, kKeepaliveIdleS);
  socket.set(zmq::sockopt::tcp_keepalive_intvl, kKeepaliveIntervalS);
  socket.set(zmq::sockopt::tcp_keepalive_cnt, kKeepaliveCount);
}

void check_ipv4(const std::string& ip, const std::string& what) {
  in_addr addr{};
  LLMC_CHECK(inet_pton(AF_INET, ip.c_str(), &addr) == 1)
      << what << ": \"" << ip << "\" is not an IPv4 address (dotted quad, e.g. 10.0.0.1)";
}

void check_tcp_endpoint(const std::string& endpoint, const std::string& what) {
  constexpr std::string_view kScheme = "tcp://";
  const size_t colon = endpoint.rfind(':');
  LLMC_CHECK(endpoint.rfind(kScheme, 0) == 0 && colon != std::string::npos && colon > kScheme.size())
      << what << ": \"" << endpoint << "\" is not tcp://IPv4:PORT";
  check_ipv4(endpoint.substr(kScheme.size(), colon - kScheme.size()), what);
  int port = 0;
  const char* first = endpoint.data() + colon + 1;
  const char* last = endpoint.data() + endpoint.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  LLMC_CHECK(ec == std::errc() && end == last && port > 0 && port < 65536)
      << what << ": \"" << endpoint << "\" has no valid port (1..65535)";
}

std::string bind_tcp(zmq::socket_t& socket, const std::string& ip, int port, const std::string& what) {
  check_ipv4(ip, what);
  LLMC_CHECK(port >= 0 && port < 65536)
      << what << ": port " << port << " is out of range (0 = any free port)";
  const std::string endpoint = "tcp://" + ip + ":" + (port == 0 ? std::string("*") : std::to_string(port));
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    LLMC_FAIL() << what << ": cannot bind " << endpoint << ": " << e.what();
  }
  return socket.get(zmq::sockopt::last_endpoint);
}

long timeout_ms(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<long>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

WakeFd::WakeFd() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  LLMC_CHECK(fd_ >= 0) << "control plane: eventfd failed";
}

WakeFd::~WakeFd() { close(fd_); }

void WakeFd::signal() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof(one));  // EAGAIN only at 2^64 - 1 pending: harmless
}

bool WakeFd::drain() {
  uint64_t count = 0;
  return read(fd_, &count, sizeof(count)) == sizeof(count);
}

bool wait_readable(zmq::socket_t& socket, Clock::time_point deadline, WakeFd* wake) {
  zmq_pollitem_t items[2] = {{socket.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake ? wake->fd() : -1, ZMQ_POLLIN, 0}};
  const int count = wake ? 2 : 1;
  for (;;) {
    // zmq_poll may return early (EINTR, or a wake-up with nothing to read): poll again until the deadline.
    const int n = zmq_poll(items, count, timeout_ms(deadline));
    if (n < 0 && zmq_errno() != EINTR)
      LLMC_FAIL() << "control plane: zmq_poll failed: " << zmq_strerror(zmq_errno());
    if (n > 0 && (items[0].revents & ZMQ_POLLIN) != 0) return true;
    if (wake != nullptr && n > 0 && (items[1].revents & ZMQ_POLLIN) != 0 && wake->drain()) return false;
    if (Clock::now() >= deadline) return false;
  }
}

std::string message_property(zmq::message_t& message, const char* name) {
  const char* value = zmq_msg_gets(message.handle(), name);
  return value == nullptr ? std::string("?") : std::string(value);
}

}  // namespace llmc::control
