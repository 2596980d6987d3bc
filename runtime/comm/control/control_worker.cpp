// WorkerControl: a worker's side of the control plane (see control_plane.h).
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <zmq.hpp>

#include "common/check.h"
#include "runtime/comm/control/control_plane.h"
#include "runtime/comm/control/control_sockets.h"

namespace llmc {

using control::Clock;

struct WorkerControl::Impl {
  int32_t rank = 0;
  WorkerControlOptions options;
  std::string plan_endpoint, result_endpoint;
  zmq::context_t ctx{1};
  zmq::socket_t sub;
  std::mutex push_mutex;  // guards push and push_buffer
  zmq::socket_t push;
  std::string push_buffer;
  std::mutex beat_mutex;  // guards beat and beat_buffer
  zmq::socket_t beat;
  std::string beat_buffer;
  uint64_t beat_seq = 0;
  std::optional<uint64_t> expected_step;  // set by the first plan (or a hello that knows it)
  std::atomic<uint64_t> last_step{0};

  zmq::socket_t client(zmq::socket_type type, const std::string& head_key, const CurveKeys& own);
  void answer_hello(const Incoming& hello);
  void check_sequence(uint64_t step);
  void deliver(const char* what, uint64_t seq);
};

zmq::socket_t WorkerControl::Impl::client(zmq::socket_type type, const std::string& head_key,
                                          const CurveKeys& own) {
  zmq::socket_t s(ctx, type);
  control::set_common_options(s);
  s.set(zmq::sockopt::curve_serverkey, head_key);
  s.set(zmq::sockopt::curve_publickey, own.public_key);
  s.set(zmq::sockopt::curve_secretkey, own.secret_key);
  return s;
}

void WorkerControl::Impl::answer_hello(const Incoming& hello) {
  std::lock_guard lock(push_mutex);
  encode_signal(MessageType::kReady, rank, hello.seq, push_buffer);
  // Never wait here: the head repeats hello until it hears us.
  if (!push.send(zmq::buffer(push_buffer), zmq::send_flags::dontwait)) {
    spdlog::debug("control plane: worker {}: ready not sent yet (result connection not up)", rank);
  }
}

void WorkerControl::Impl::check_sequence(uint64_t step) {
  LLMC_CHECK(!expected_step || step == *expected_step)
      << "control plane, worker rank " << rank << ": lost or reordered plan: expected step " << *expected_step
      << ", got " << step;
  expected_step = step + 1;
  last_step = step;
}

// Sends push_buffer (the caller holds push_mutex), waiting at most send_timeout.
void WorkerControl::Impl::deliver(const char* what, uint64_t seq) {
  LLMC_CHECK(push.send(zmq::buffer(push_buffer), zmq::send_flags::none).has_value())
      << "control plane, worker rank " << rank << ": could not deliver the " << what << " of step " << seq
      << " to the head at " << result_endpoint << " within " << options.send_timeout.count()
      << " ms (head gone, not reading, or this worker's key refused)";
}

WorkerControl::WorkerControl(int32_t rank, const std::string& plan_endpoint,
                             const std::string& result_endpoint, const std::string& head_public_key,
                             const CurveKeys& own_keys, WorkerControlOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.rank = rank;
  d.options = options;
  d.plan_endpoint = plan_endpoint;
  d.result_endpoint = result_endpoint;
  const std::string who = "worker rank " + std::to_string(rank) + " control plane";
  control::require_curve();
  control::check_tcp_endpoint(plan_endpoint, who + ": plan endpoint");
  control::check_tcp_endpoint(result_endpoint, who + ": result endpoint");
  control::decode_curve_key(head_public_key, who + ": head public key");
  control::check_key_pair(own_keys.public_key, own_keys.secret_key, who + ": own key pair");
  try {
    d.sub = d.client(zmq::socket_type::sub, head_public_key, own_keys);
    // No receive limit: every plan must reach us; the head's XPUB bounds how far we may fall behind.
    d.sub.set(zmq::sockopt::rcvhwm, 0);
    d.sub.set(zmq::sockopt::subscribe, "");
    for (zmq::socket_t* s : {&d.push, &d.beat}) {
      *s = d.client(zmq::socket_type::push, head_public_key, own_keys);
      // Queue only on a finished (authenticated) connection, so a refused key makes sends time out loudly
      // instead of piling up in a pipe that never drains.
      s->set(zmq::sockopt::immediate, 1);
      s->set(zmq::sockopt::sndtimeo, static_cast<int>(options.send_timeout.count()));
    }
    d.sub.connect(plan_endpoint);
    d.push.connect(result_endpoint);
    d.beat.connect(result_endpoint);
  } catch (const zmq::error_t& e) {
    LLMC_FAIL() << who << ": connecting to " << plan_endpoint << " / " << result_endpoint << ": " << e.what();
  }
}

WorkerControl::~WorkerControl() = default;

std::optional<Incoming> WorkerControl::next(ControlClock::time_point deadline) {
  Impl& d = *impl_;
  for (;;) {
    if (!control::wait_readable(d.sub, deadline)) return std::nullopt;
    zmq::message_t msg;
    if (!d.sub.recv(msg, zmq::recv_flags::dontwait)) continue;
    Incoming m;
    try {
      m = decode_message(std::string_view(msg.data<char>(), msg.size()));
    } catch (const Error& e) {
      LLMC_FAIL() << "control plane, worker rank " << d.rank
                  << ": malformed message from the head: " << e.what();
    }
    switch (m.type) {
      case MessageType::kPlan:
        d.check_sequence(m.seq);
        return m;
      case MessageType::kHello:
        if (!d.expected_step && m.next_step != 0) d.expected_step = m.next_step;
        d.answer_hello(m);
        return m;
      case MessageType::kHeartbeat:
      case MessageType::kShutdown:
        return m;
      default:
        LLMC_FAIL() << "control plane, worker rank " << d.rank << ": the head sent a "
                    << message_type_name(m.type) << " message, which only workers send";
    }
  }
}

void WorkerControl::send_result(const StepResult& result) {
  std::lock_guard lock(impl_->push_mutex);
  encode_result(result, impl_->rank, impl_->push_buffer);
  impl_->deliver("result", result.step_id);
}

void WorkerControl::send_error(const std::string& text) {
  std::lock_guard lock(impl_->push_mutex);
  const uint64_t step = impl_->last_step.load();
  encode_error(impl_->rank, step, text, impl_->push_buffer);
  impl_->deliver("error report", step);
}

bool WorkerControl::send_heartbeat() {
  std::lock_guard lock(impl_->beat_mutex);
  encode_signal(MessageType::kHeartbeat, impl_->rank, ++impl_->beat_seq, impl_->beat_buffer);
  return impl_->beat.send(zmq::buffer(impl_->beat_buffer), zmq::send_flags::dontwait).has_value();
}

}  // namespace llmc
