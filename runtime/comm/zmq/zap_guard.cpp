#include "runtime/comm/zmq/zap_guard.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "common/check.h"

namespace llmc {
namespace {

std::string z85(const std::string& binary_key) {
  if (binary_key.size() != 32) return "(not a CURVE key)";
  char text[41];
  zmq_z85_encode(text, reinterpret_cast<const uint8_t*>(binary_key.data()), 32);
  return text;
}

}  // namespace

ZapGuard::ZapGuard(zmq::context_t& ctx, std::set<std::string> allowed)
    : ctx_(ctx), allowed_(std::move(allowed)), handler_(ctx, zmq::socket_type::rep) {
  handler_.set(zmq::sockopt::linger, 0);
  handler_.bind("inproc://zeromq.zap.01");
}

ZapGuard::~ZapGuard() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapGuard::monitor(zmq::socket_t& socket) {
  const std::string endpoint = "inproc://llmc-monitor-" + std::to_string(monitors_.size());
  const int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
  LLMC_CHECK(zmq_socket_monitor(socket.handle(), endpoint.c_str(), events) == 0)
      << "zmq_socket_monitor: " << zmq_strerror(zmq_errno());
  auto pair = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
  pair->set(zmq::sockopt::linger, 0);
  pair->connect(endpoint);
  monitors_.push_back(std::move(pair));
}

void ZapGuard::start() {
  thread_ = std::thread([this] { run(); });
}

void ZapGuard::run() {
  while (!stop_) {
    std::vector<zmq::pollitem_t> items{{handler_.handle(), 0, ZMQ_POLLIN, 0}};
    for (auto& m : monitors_) items.push_back({m->handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
    if (items[0].revents & ZMQ_POLLIN) answer_zap();
    for (size_t i = 0; i < monitors_.size(); ++i) {
      if (items[i + 1].revents & ZMQ_POLLIN) read_monitor(*monitors_[i]);
    }
  }
}

// RFC 27 request: version, request id, domain, address, identity, mechanism, credentials...
void ZapGuard::answer_zap() {
  std::vector<std::string> frames;
  for (;;) {
    zmq::message_t part;
    if (!handler_.recv(part, zmq::recv_flags::dontwait)) break;
    frames.push_back(part.to_string());
    if (!part.more()) break;
  }
  if (frames.size() < 6) return;
  const std::string& address = frames[3];
  const std::string& mechanism = frames[5];
  bool ok = false;
  std::string why;
  if (mechanism != "CURVE" || frames.size() < 7) {
    why = "mechanism " + mechanism + " (only CURVE is accepted)";
  } else if (allowed_.count(z85(frames[6])) == 0) {
    why = "CURVE key " + z85(frames[6]) + " is not one of this job's workers";
  } else {
    ok = true;
  }
  if (!ok) {
    ++rejected_;
    spdlog::warn("control plane: refused a connection from {}: {}", address, why);
  }
  const std::vector<std::string> reply{"1.0", frames[1], ok ? "200" : "400", ok ? "OK" : why, "", ""};
  for (size_t i = 0; i < reply.size(); ++i) {
    handler_.send(zmq::buffer(reply[i]), i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

void ZapGuard::read_monitor(zmq::socket_t& monitor) {
  zmq::message_t event, endpoint;
  if (!monitor.recv(event, zmq::recv_flags::dontwait)) return;
  if (event.more()) (void)monitor.recv(endpoint, zmq::recv_flags::dontwait);
  uint16_t id = 0;
  if (event.size() >= 2) std::memcpy(&id, event.data(), 2);
  if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) return;  // already logged by the ZAP handler
  ++rejected_;
  spdlog::warn("control plane: a peer failed the CURVE handshake on {} (event {:#x}: no CURVE, or the wrong key)",
               endpoint.to_string(), id);
}

}  // namespace llmc
