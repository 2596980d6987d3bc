#include "runtime/comm/control/control_guard.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "common/check.h"
#include "runtime/comm/control/control_sockets.h"

namespace llmc::control {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr long kPollMs = 50;  // how soon the thread notices stop_
constexpr int kMonitorEvents = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

std::string peer_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.sin_family != AF_INET)
    return "?";
  char ip[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(ntohs(addr.sin_port));
}

std::string protocol_failure(uint32_t code) {
  switch (code) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
      return "the client does not use CURVE";
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
      return "CURVE decryption failed (the client has another server key)";
    default:
      return "protocol error " + std::to_string(code) + " (not a ZeroMQ CURVE client of this head?)";
  }
}

// Receives all frames of one message; false when none is waiting.
bool recv_frames(zmq::socket_t& s, std::vector<zmq::message_t>& frames) {
  frames.clear();
  do {
    zmq::message_t frame;
    if (!s.recv(frame, zmq::recv_flags::dontwait)) return !frames.empty();
    frames.push_back(std::move(frame));
  } while (frames.back().more());
  return true;
}

}  // namespace

ControlGuard::ControlGuard(zmq::context_t& ctx, std::set<std::string> allowed_keys)
    : ctx_(ctx), allowed_(std::move(allowed_keys)), zap_(ctx, zmq::socket_type::rep) {
  zap_.set(zmq::sockopt::linger, 0);
  zap_.bind(kZapEndpoint);
}

ControlGuard::~ControlGuard() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ControlGuard::watch(zmq::socket_t& socket, const std::string& name) {
  LLMC_CHECK(!thread_.joinable()) << "ControlGuard::watch after start";
  static std::atomic<int> counter{0};
  const std::string endpoint = "inproc://llmc-control-monitor-" + std::to_string(counter++);
  LLMC_CHECK(zmq_socket_monitor(socket.handle(), endpoint.c_str(), kMonitorEvents) == 0)
      << "control plane: cannot monitor the " << name << " socket: " << zmq_strerror(zmq_errno());
  auto w = std::make_unique<Watched>();
  w->name = name;
  w->monitor = zmq::socket_t(ctx_, zmq::socket_type::pair);
  w->monitor.set(zmq::sockopt::linger, 0);
  w->monitor.connect(endpoint);
  watched_.push_back(std::move(w));
}

void ControlGuard::start() {
  thread_ = std::thread([this] { run(); });
}

void ControlGuard::run() {
  std::vector<zmq_pollitem_t> items{{zap_.handle(), 0, ZMQ_POLLIN, 0}};
  for (auto& w : watched_) items.push_back({w->monitor.handle(), 0, ZMQ_POLLIN, 0});
  while (!stop_) {
    if (zmq_poll(items.data(), static_cast<int>(items.size()), kPollMs) <= 0) continue;
    try {
      if (items[0].revents & ZMQ_POLLIN) answer_zap();
      for (size_t i = 1; i < items.size(); ++i) {
        if (items[i].revents & ZMQ_POLLIN) read_monitor(*watched_[i - 1]);
      }
    } catch (const std::exception& e) {
      // Never let the gatekeeper die: an unanswered ZAP request would stall every later handshake.
      spdlog::error("control plane: ZAP handler: {}", e.what());
    }
  }
}

void ControlGuard::answer_zap() {
  // Request (RFC 27): version, request id, domain, address, routing id, mechanism, credentials...
  std::vector<zmq::message_t> req;
  if (!recv_frames(zap_, req)) return;
  const auto text = [&](size_t i) { return i < req.size() ? req[i].to_string() : std::string(); };
  const std::string address = text(3);
  const std::string mechanism = text(5);
  std::string key = mechanism == "CURVE" && req.size() >= 7 ? text(6) : std::string();
  const bool ok = key.size() == 32 && allowed_.count(key) != 0;
  std::string key_z85 = key.size() == 32 ? encode_curve_key(key) : std::string("(none)");
  if (!ok) {
    ++refused_;
    spdlog::warn(
        "control plane: refused a {} client from {} (public key {} is not one of the {} worker key(s))",
        mechanism.empty() ? "?" : mechanism, address.empty() ? "?" : address, key_z85, allowed_.size());
  }
  // Reply: version, request id, status code, status text, user id, metadata.
  const std::string status = ok ? "200" : "400";
  zap_.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
  zap_.send(zmq::buffer(text(1)), zmq::send_flags::sndmore);
  zap_.send(zmq::buffer(status), zmq::send_flags::sndmore);
  zap_.send(zmq::buffer(std::string(ok ? "OK" : "unknown client key")), zmq::send_flags::sndmore);
  zap_.send(zmq::buffer(ok ? key_z85 : std::string()), zmq::send_flags::sndmore);
  zap_.send(zmq::message_t(), zmq::send_flags::none);
}

void ControlGuard::read_monitor(Watched& w) {
  std::vector<zmq::message_t> frames;
  while (recv_frames(w.monitor, frames)) {
    if (frames.size() < 2 || frames[0].size() < 6) continue;
    uint16_t event = 0;
    uint32_t value = 0;
    std::memcpy(&event, frames[0].data(), 2);
    std::memcpy(&value, static_cast<const char*>(frames[0].data()) + 2, 4);
    const std::string endpoint = frames[1].to_string();
    if (event == ZMQ_EVENT_ACCEPTED) {
      w.peers[static_cast<int>(value)] = peer_of(static_cast<int>(value));
      w.unfinished.push_back(static_cast<int>(value));
    } else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED || event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      // Succeeded: a worker. Failed auth: refused and logged by answer_zap. Either way a handshake ended, but
      // these events carry no fd: take the oldest unfinished one (handshakes end in about accept order; a
      // wrong guess only misplaces a log line, it admits nobody).
      if (!w.unfinished.empty()) w.unfinished.pop_front();
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
               event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
      ++refused_;
      w.pending_failure = event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                              ? protocol_failure(value)
                              : std::string("the handshake broke off (") +
                                    zmq_strerror(static_cast<int>(value)) +
                                    "): a client without CURVE or with another server key, or not ZeroMQ";
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
      const auto peer = w.peers.find(static_cast<int>(value));
      const auto open = std::find(w.unfinished.begin(), w.unfinished.end(), static_cast<int>(value));
      if (w.pending_failure.empty() && open != w.unfinished.end()) {
        // libzmq reports no handshake failure for bytes that are not ZMTP at all: the peer just goes.
        ++refused_;
        w.pending_failure = "it closed the connection without completing a handshake (not a ZeroMQ CURVE client)";
      }
      if (!w.pending_failure.empty()) {
        spdlog::warn("control plane: refused a connection to the {} socket ({}) from {}: {}", w.name,
                     endpoint, peer == w.peers.end() ? "?" : peer->second, w.pending_failure);
        w.pending_failure.clear();
      }
      if (open != w.unfinished.end()) w.unfinished.erase(open);
      if (peer != w.peers.end()) w.peers.erase(peer);
    }
    // HANDSHAKE_FAILED_AUTH: a ZAP refusal, already logged and counted by answer_zap.
  }
}

}  // namespace llmc::control
