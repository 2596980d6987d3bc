#include "runtime/comm/zmq/control_plane.h"

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/check.h"
#include "runtime/comm/zmq/zap_guard.h"

namespace llmc {
namespace {

int timeout_ms(ControlClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - ControlClock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1000));
}

void common_options(zmq::socket_t& s) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::tcp_keepalive, 1);
  // No high-water mark: a plan is never dropped for a slow subscriber (plans are small and steps bounded).
  s.set(zmq::sockopt::sndhwm, 0);
  s.set(zmq::sockopt::rcvhwm, 0);
}

void send(zmq::socket_t& s, MessageType type, int32_t sender, uint64_t seq, std::string_view payload) {
  const std::string bytes = encode_envelope(type, sender, seq, payload);
  s.send(zmq::buffer(bytes), zmq::send_flags::none);
}

ControlMessage unpack(const Envelope& e) {
  ControlMessage m;
  m.type = e.type;
  m.sender = e.sender;
  m.seq = e.seq;
  if (e.type == MessageType::kPlan) m.plan = decode_plan(e.payload);
  if (e.type == MessageType::kResult) m.result = decode_result(e.payload);
  if (e.type == MessageType::kError) m.error = std::string(e.payload);
  return m;
}

}  // namespace

CurveKeys generate_curve_keys() {
  LLMC_CHECK(zmq_has("curve")) << "this libzmq was built without CURVE: the control plane cannot be secured";
  char pub[41], sec[41];
  LLMC_CHECK(zmq_curve_keypair(pub, sec) == 0) << "zmq_curve_keypair failed: " << zmq_strerror(zmq_errno());
  return {pub, sec};
}

struct HeadControl::Impl {
  zmq::context_t ctx;
  std::unique_ptr<ZapGuard> zap;  // before the server sockets: libzmq asks it about every connection
  zmq::socket_t pub{ctx, zmq::socket_type::pub};
  zmq::socket_t pull{ctx, zmq::socket_type::pull};
  std::mutex pub_mutex;
  mutable std::mutex heard_mutex;
  std::map<int, ControlClock::time_point> heard;
  std::atomic<uint64_t> malformed{0};
  std::string plan_endpoint, result_endpoint;
};

HeadControl::HeadControl(const std::string& ip, const CurveKeys& server, std::set<std::string> allowed)
    : impl_(std::make_unique<Impl>()) {
  impl_->zap = std::make_unique<ZapGuard>(impl_->ctx, std::move(allowed));
  for (zmq::socket_t* s : {&impl_->pub, &impl_->pull}) impl_->zap->monitor(*s);
  impl_->zap->start();
  for (zmq::socket_t* s : {&impl_->pub, &impl_->pull}) {
    common_options(*s);
    s->set(zmq::sockopt::curve_server, 1);
    s->set(zmq::sockopt::curve_secretkey, server.secret_key);
    s->set(zmq::sockopt::zap_domain, "llm-cluster");
    try {
      s->bind("tcp://" + ip + ":0");
    } catch (const zmq::error_t& e) {
      LLMC_FAIL() << "cannot bind the control plane on " << ip << ": " << e.what();
    }
  }
  impl_->plan_endpoint = impl_->pub.get(zmq::sockopt::last_endpoint);
  impl_->result_endpoint = impl_->pull.get(zmq::sockopt::last_endpoint);
}

HeadControl::~HeadControl() = default;
std::string HeadControl::plan_endpoint() const { return impl_->plan_endpoint; }
std::string HeadControl::result_endpoint() const { return impl_->result_endpoint; }
uint64_t HeadControl::rejected_connections() const { return impl_->zap->rejected(); }
uint64_t HeadControl::malformed_messages() const { return impl_->malformed; }

void HeadControl::publish_plan(const StepPlan& plan) {
  const std::string payload = encode_plan(plan);
  std::lock_guard lock(impl_->pub_mutex);
  send(impl_->pub, MessageType::kPlan, 0, plan.step_id, payload);
}

void HeadControl::send_heartbeat() {
  std::lock_guard lock(impl_->pub_mutex);
  send(impl_->pub, MessageType::kHeartbeat, 0, 0, {});
}

void HeadControl::shutdown() {
  // PUB has no acknowledgement: repeat, so a worker that was briefly slow still hears it.
  for (int i = 0; i < 3; ++i) {
    {
      std::lock_guard lock(impl_->pub_mutex);
      send(impl_->pub, MessageType::kShutdown, 0, 0, {});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<ControlMessage> HeadControl::poll(ControlClock::time_point deadline) {
  for (;;) {
    zmq::pollitem_t item{impl_->pull.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms(deadline)));
    zmq::message_t msg;
    if (!(item.revents & ZMQ_POLLIN) || !impl_->pull.recv(msg, zmq::recv_flags::dontwait)) {
      if (ControlClock::now() >= deadline) return std::nullopt;
      continue;
    }
    try {
      ControlMessage m = unpack(decode_envelope(msg.to_string_view()));
      {
        std::lock_guard lock(impl_->heard_mutex);
        impl_->heard[m.sender] = ControlClock::now();
      }
      if (m.type != MessageType::kHeartbeat) return m;
    } catch (const Error& e) {
      ++impl_->malformed;
      spdlog::warn("control plane: dropped a malformed message ({} bytes): {}", msg.size(), e.what());
    }
  }
}

ControlClock::time_point HeadControl::last_heard(int rank) const {
  std::lock_guard lock(impl_->heard_mutex);
  auto it = impl_->heard.find(rank);
  return it == impl_->heard.end() ? ControlClock::time_point{} : it->second;
}

void HeadControl::handshake(const std::vector<int>& ranks, ControlClock::time_point deadline) {
  std::set<int> waiting(ranks.begin(), ranks.end());
  while (!waiting.empty() && ControlClock::now() < deadline) {
    {
      std::lock_guard lock(impl_->pub_mutex);
      send(impl_->pub, MessageType::kHello, 0, 0, {});
    }
    const auto until = std::min(deadline, ControlClock::now() + std::chrono::milliseconds(100));
    while (auto m = poll(until)) {
      if (m->type == MessageType::kReady) waiting.erase(m->sender);
    }
  }
  if (waiting.empty()) {
    // Heartbeat clocks start now, not at the (possibly long) load phase.
    std::lock_guard lock(impl_->heard_mutex);
    for (int r : ranks) impl_->heard[r] = ControlClock::now();
    return;
  }
  std::ostringstream missing;
  for (int r : waiting) missing << (missing.tellp() ? ", " : "") << r;
  LLMC_FAIL() << "control-plane handshake: rank(s) " << missing.str() << " did not connect to " << impl_->plan_endpoint
              << " / " << impl_->result_endpoint
              << " in time (wrong --host-ip/--ifname, a firewall, or no route between the nodes?)";
}

struct WorkerControl::Impl {
  int rank = 0;
  zmq::context_t ctx;
  zmq::socket_t sub{ctx, zmq::socket_type::sub};
  zmq::socket_t push{ctx, zmq::socket_type::push};
  std::mutex push_mutex;
  std::optional<uint64_t> last_plan;
};

WorkerControl::WorkerControl(int rank, const std::string& plan_ep, const std::string& result_ep,
                             const std::string& server_public, const CurveKeys& own)
    : impl_(std::make_unique<Impl>()) {
  impl_->rank = rank;
  for (zmq::socket_t* s : {&impl_->sub, &impl_->push}) {
    common_options(*s);
    s->set(zmq::sockopt::curve_serverkey, server_public);
    s->set(zmq::sockopt::curve_publickey, own.public_key);
    s->set(zmq::sockopt::curve_secretkey, own.secret_key);
  }
  impl_->sub.set(zmq::sockopt::subscribe, "");
  impl_->sub.connect(plan_ep);
  impl_->push.connect(result_ep);
}

WorkerControl::~WorkerControl() = default;

std::optional<ControlMessage> WorkerControl::next(ControlClock::time_point deadline) {
  for (;;) {
    zmq::pollitem_t item{impl_->sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms(deadline)));
    zmq::message_t msg;
    if (!(item.revents & ZMQ_POLLIN) || !impl_->sub.recv(msg, zmq::recv_flags::dontwait)) {
      if (ControlClock::now() >= deadline) return std::nullopt;
      continue;
    }
    ControlMessage m = unpack(decode_envelope(msg.to_string_view()));
    if (m.type == MessageType::kHello) {
      if (impl_->last_plan) continue;  // late hellos after the handshake
      std::lock_guard lock(impl_->push_mutex);
      send(impl_->push, MessageType::kReady, impl_->rank, 0, {});
      continue;
    }
    if (m.type == MessageType::kPlan) {
      LLMC_CHECK(!impl_->last_plan || m.seq == *impl_->last_plan + 1)
          << "lost or reordered plan: expected step " << *impl_->last_plan + 1 << ", got " << m.seq;
      impl_->last_plan = m.seq;
    }
    return m;
  }
}

void WorkerControl::send_result(const StepResult& result) {
  const std::string payload = encode_result(result);
  std::lock_guard lock(impl_->push_mutex);
  send(impl_->push, MessageType::kResult, impl_->rank, result.step_id, payload);
}

void WorkerControl::send_error(const std::string& text) {
  std::lock_guard lock(impl_->push_mutex);
  send(impl_->push, MessageType::kError, impl_->rank, 0, text);
}

void WorkerControl::send_heartbeat() {
  std::lock_guard lock(impl_->push_mutex);
  send(impl_->push, MessageType::kHeartbeat, impl_->rank, 0, {});
}

}  // namespace llmc
