// HeadControl: the head's side of the control plane (see control_plane.h).
#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "common/check.h"
#include "runtime/comm/control/control_guard.h"
#include "runtime/comm/control/control_plane.h"
#include "runtime/comm/control/control_sockets.h"

namespace llmc {

using control::Clock;

namespace {

// Results are small and few; this only bounds memory if a worker floods us.
constexpr int kResultHighWaterMark = 100000;
constexpr int64_t kMaxIncomingBytes = int64_t{256} << 20;
constexpr int kShutdownRepeats = 3;
constexpr auto kShutdownSpacing = std::chrono::milliseconds(20);
constexpr int kShutdownLingerMs = 500;

bool head_only(MessageType t) {
  return t == MessageType::kPlan || t == MessageType::kHello || t == MessageType::kShutdown;
}

}  // namespace

struct HeadControl::Impl {
  HeadControlOptions options;
  // Member order is teardown order reversed: sockets close before the guard stops, the context goes last.
  zmq::context_t ctx{1};  // one I/O thread: the guard relies on its events arriving in order
  std::unique_ptr<control::ControlGuard> guard;
  zmq::socket_t pub;
  zmq::socket_t pull;
  std::string plan_endpoint, result_endpoint;
  std::map<int32_t, std::string> rank_keys;  // Z85, when given
  std::string buffer;
  uint64_t hello_seq = 0, heartbeat_seq = 0, shutdown_seq = 0, next_step = 0;
  std::set<int32_t> expected;  // empty until the handshake: anyone authenticated
  std::set<int32_t> ready;
  std::deque<Incoming> pending;  // results and errors that arrived during the handshake
  const Clock::time_point created = Clock::now();
  mutable std::mutex heard_mutex;
  std::map<int32_t, Clock::time_point> heard;
  std::atomic<uint64_t> malformed{0}, unexpected{0}, heartbeats{0};
  control::WakeFd wake;  // wake() from other threads ends a poll early

  void open(const std::string& ip, const CurveKeys& keys, std::set<std::string> allowed);
  bool send(bool blocking);
  std::optional<Incoming> receive(Clock::time_point deadline);
  std::optional<Incoming> accept(zmq::message_t& msg);
  bool sender_ok(const Incoming& m, zmq::message_t& msg);
  void drain_subscriptions();
};

void HeadControl::Impl::open(const std::string& ip, const CurveKeys& keys, std::set<std::string> allowed) {
  control::require_curve();
  control::check_key_pair(keys.public_key, keys.secret_key, "head control plane: server key pair");
  std::set<std::string> binary;
  for (const std::string& k : allowed)
    binary.insert(control::decode_curve_key(k, "head control plane: allowed key"));
  for (const auto& [rank, key] : options.rank_keys) {
    LLMC_CHECK(allowed.count(key) != 0)
        << "head control plane: the key of rank " << rank << " is not allowed";
  }
  LLMC_CHECK(!binary.empty()) << "head control plane: no worker keys allowed: no worker could connect";
  guard = std::make_unique<control::ControlGuard>(ctx, std::move(binary));  // before any server socket
  pub = zmq::socket_t(ctx, zmq::socket_type::xpub);
  pull = zmq::socket_t(ctx, zmq::socket_type::pull);
  for (zmq::socket_t* s : {&pub, &pull}) {
    control::set_common_options(*s);
    s->set(zmq::sockopt::curve_server, 1);
    s->set(zmq::sockopt::curve_secretkey, keys.secret_key);
    s->set(zmq::sockopt::zap_domain, "llmc-control");
  }
  // XPUB_NODROP: at the high-water mark a send fails (after sndtimeo) instead of silently dropping a plan.
  pub.set(zmq::sockopt::xpub_nodrop, 1);
  pub.set(zmq::sockopt::sndhwm, options.plan_high_water_mark);
  pub.set(zmq::sockopt::sndtimeo, static_cast<int>(options.send_timeout.count()));
  pull.set(zmq::sockopt::rcvhwm, kResultHighWaterMark);
  pull.set(zmq::sockopt::maxmsgsize, kMaxIncomingBytes);
  guard->watch(pub, "plan");
  guard->watch(pull, "result");
  guard->start();
  plan_endpoint = control::bind_tcp(pub, ip, options.plan_port, "head control plane (plans)");
  result_endpoint = control::bind_tcp(pull, ip, options.result_port, "head control plane (results)");
}

bool HeadControl::Impl::send(bool blocking) {
  const auto flags = blocking ? zmq::send_flags::none : zmq::send_flags::dontwait;
  return pub.send(zmq::buffer(buffer), flags).has_value();
}

void HeadControl::Impl::drain_subscriptions() {
  // Subscriptions arrive as messages on an XPUB; nothing needs them, but they must not pile up.
  zmq::message_t sub;
  while (pub.recv(sub, zmq::recv_flags::dontwait)) {
    if (sub.size() > 0)
      spdlog::debug("control plane: a worker {}", sub.data<char>()[0] == 1 ? "subscribed" : "left");
  }
}

bool HeadControl::Impl::sender_ok(const Incoming& m, zmq::message_t& msg) {
  std::string why;
  if (head_only(m.type)) {
    why = std::string("sent a ") + message_type_name(m.type) + " message, which only the head sends";
  } else if (!expected.empty() && expected.count(m.sender) == 0) {
    why = "is not one of the expected worker ranks";
  } else if (!rank_keys.empty()) {
    const auto it = rank_keys.find(m.sender);
    if (it == rank_keys.end() || it->second != control::message_property(msg, "User-Id")) {
      why = "spoke with a CURVE key that is not its own";
    }
  }
  if (why.empty()) return true;
  ++unexpected;
  spdlog::warn("control plane: dropped a {} message: sender rank {} (from {}) {}", message_type_name(m.type),
               m.sender, control::message_property(msg, "Peer-Address"), why);
  return false;
}

// Decodes and vets one message; returns it when poll() should hand it out.
std::optional<Incoming> HeadControl::Impl::accept(zmq::message_t& msg) {
  Incoming m;
  try {
    m = decode_message(std::string_view(msg.data<char>(), msg.size()));
  } catch (const Error& e) {
    ++malformed;
    spdlog::warn("control plane: dropped a malformed message from {} (key {}): {}",
                 control::message_property(msg, "Peer-Address"), control::message_property(msg, "User-Id"),
                 e.what());
    return std::nullopt;
  }
  if (!sender_ok(m, msg)) return std::nullopt;
  {
    std::lock_guard lock(heard_mutex);
    heard[m.sender] = Clock::now();
  }
  switch (m.type) {
    case MessageType::kHeartbeat:
      ++heartbeats;
      return std::nullopt;
    case MessageType::kReady:
      ready.insert(m.sender);
      return std::nullopt;
    default:
      return m;
  }
}

std::optional<Incoming> HeadControl::Impl::receive(Clock::time_point deadline) {
  for (;;) {
    drain_subscriptions();
    if (!control::wait_readable(pull, deadline, &wake)) return std::nullopt;
    zmq::message_t msg;
    if (!pull.recv(msg, zmq::recv_flags::dontwait)) continue;
    if (auto m = accept(msg)) return m;
  }
}

HeadControl::HeadControl(const std::string& ipv4, const CurveKeys& server_keys,
                         std::set<std::string> allowed_client_keys, HeadControlOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->rank_keys = impl_->options.rank_keys;
  try {
    impl_->open(ipv4, server_keys, std::move(allowed_client_keys));
  } catch (const zmq::error_t& e) {
    LLMC_FAIL() << "head control plane on " << ipv4 << ": " << e.what();
  }
  spdlog::debug("control plane: plans on {}, results on {}", impl_->plan_endpoint, impl_->result_endpoint);
}

HeadControl::~HeadControl() = default;

std::string HeadControl::plan_endpoint() const { return impl_->plan_endpoint; }
std::string HeadControl::result_endpoint() const { return impl_->result_endpoint; }

void HeadControl::handshake(const std::vector<int32_t>& worker_ranks, ControlClock::time_point deadline) {
  Impl& d = *impl_;
  d.expected = std::set<int32_t>(worker_ranks.begin(), worker_ranks.end());
  d.ready.clear();
  const auto all_ready = [&] {
    for (int32_t r : d.expected) {
      if (d.ready.count(r) == 0) return false;
    }
    return true;
  };
  while (!all_ready()) {
    if (Clock::now() >= deadline) {
      std::ostringstream missing;
      for (int32_t r : d.expected) {
        if (d.ready.count(r) == 0) missing << (missing.tellp() > 0 ? ", " : "") << r;
      }
      LLMC_FAIL() << "control plane handshake: no answer from worker rank(s) " << missing.str() << " (of "
                  << d.expected.size() << ") before the deadline; they did not connect to " << d.plan_endpoint
                  << " / " << d.result_endpoint << ", or their CURVE keys were refused (see the head's log)";
    }
    encode_hello(d.options.head_rank, ++d.hello_seq, d.next_step, d.buffer);
    d.send(false);
    const auto slice = std::min(deadline, Clock::now() + d.options.handshake_interval);
    while (auto m = d.receive(slice)) d.pending.push_back(std::move(*m));
  }
}

void HeadControl::publish_plan(const StepPlan& plan) {
  Impl& d = *impl_;
  d.drain_subscriptions();
  encode_plan(plan, d.options.head_rank, d.buffer);
  LLMC_CHECK(d.send(true))
      << "control plane: could not publish the plan of step " << plan.step_id << " within "
      << d.options.send_timeout.count() << " ms: a worker has " << d.options.plan_high_water_mark
      << " messages queued and is not reading (stuck or far too slow); plans are never dropped";
  d.next_step = plan.step_id + 1;
}

void HeadControl::send_heartbeat() {
  encode_signal(MessageType::kHeartbeat, impl_->options.head_rank, ++impl_->heartbeat_seq, impl_->buffer);
  if (!impl_->send(false)) spdlog::debug("control plane: heartbeat skipped (a worker is behind)");
}

void HeadControl::shutdown() {
  Impl& d = *impl_;
  for (int i = 0; i < kShutdownRepeats; ++i) {
    if (i > 0) std::this_thread::sleep_for(kShutdownSpacing);
    encode_signal(MessageType::kShutdown, d.options.head_rank, ++d.shutdown_seq, d.buffer);
    d.send(false);
  }
  // Closing with linger 0 would discard what is still queued; give the shutdown messages a bounded chance.
  d.pub.set(zmq::sockopt::linger, kShutdownLingerMs);
}

std::optional<Incoming> HeadControl::poll(ControlClock::time_point deadline) {
  if (!impl_->pending.empty()) {
    Incoming m = std::move(impl_->pending.front());
    impl_->pending.pop_front();
    return m;
  }
  return impl_->receive(deadline);
}

void HeadControl::wake() { impl_->wake.signal(); }

ControlClock::time_point HeadControl::last_heard(int32_t rank) const {
  std::lock_guard lock(impl_->heard_mutex);
  const auto it = impl_->heard.find(rank);
  return it == impl_->heard.end() ? impl_->created : it->second;
}

HeadControlStats HeadControl::stats() const {
  HeadControlStats s;
  s.rejected_connections = impl_->guard ? impl_->guard->refused() : 0;
  s.malformed_messages = impl_->malformed.load();
  s.unexpected_senders = impl_->unexpected.load();
  s.heartbeats = impl_->heartbeats.load();
  return s;
}

}  // namespace llmc
