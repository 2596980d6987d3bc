// Who may talk to the head: clients without CURVE, with unknown keys or with another server key deliver
// nothing and are logged and counted; garbage on the ports does not hurt the head; an authenticated client
// that sends nonsense or speaks for another rank is dropped and counted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zmq.hpp>

#include "tests/unit/control/control_test_support.h"

namespace llmc {
namespace {

using namespace test;

std::string valid_result(int32_t sender) {
  StepResult r;
  r.step_id = 1;
  r.tokens.push_back({7, 42, -0.5f, {}});
  std::string bytes;
  encode_result(r, sender, bytes);
  return bytes;
}

// A raw ZeroMQ PUSH: with `own` it is a CURVE client of `server_public`, without it a plain one.
zmq::socket_t raw_push(zmq::context_t& ctx, const std::string& endpoint, const CurveKeys* own = nullptr,
                       const std::string& server_public = "") {
  zmq::socket_t s(ctx, zmq::socket_type::push);
  s.set(zmq::sockopt::linger, 0);
  if (own != nullptr) {
    s.set(zmq::sockopt::curve_serverkey, server_public);
    s.set(zmq::sockopt::curve_publickey, own->public_key);
    s.set(zmq::sockopt::curve_secretkey, own->secret_key);
  }
  s.connect(endpoint);
  return s;
}

// Nothing reaches poll() within `wait`.
void expect_silence(HeadControl& head, Clock::duration wait = 300ms) {
  const auto m = head.poll(Clock::now() + wait);
  EXPECT_FALSE(m) << "the head accepted a " << message_type_name(m->type) << " from rank " << m->sender;
}

TEST(ControlSecurity, ClientWithoutCurveDeliversNothing) {
  LogCapture log;
  ClusterKeys keys({1});
  auto head = make_head(keys);
  zmq::context_t ctx;
  auto push = raw_push(ctx, head->result_endpoint());
  push.send(zmq::buffer(valid_result(1)), zmq::send_flags::dontwait);
  ASSERT_TRUE(eventually([&] { return head->stats().rejected_connections >= 1; })) << log.text();
  expect_silence(*head);
  // Which side notices the mechanism mismatch first is a race: the head logs either reason. The peer
  // address is best effort here (the connection may be gone before the guard looks it up).
  EXPECT_TRUE(eventually([&] { return log.contains("refused a connection to the result socket"); }))
      << log.text();
  EXPECT_TRUE(log.contains("the client does not use CURVE") || log.contains("a client without CURVE"))
      << log.text();
}

TEST(ControlSecurity, UnknownCurveKeyDeliversNothing) {
  LogCapture log;
  ClusterKeys keys({1});
  auto head = make_head(keys);
  const CurveKeys intruder = generate_curve_keys();
  zmq::context_t ctx;
  auto push = raw_push(ctx, head->result_endpoint(), &intruder, keys.server.public_key);
  push.send(zmq::buffer(valid_result(1)), zmq::send_flags::dontwait);
  ASSERT_TRUE(eventually([&] { return head->stats().rejected_connections >= 1; })) << log.text();
  expect_silence(*head);
  EXPECT_TRUE(eventually([&] {
    return log.contains("refused a CURVE client from 127.0.0.1", intruder.public_key);
  })) << log.text();
}

TEST(ControlSecurity, WrongServerKeyDeliversNothing) {
  LogCapture log;
  ClusterKeys keys({1});
  auto head = make_head(keys);
  const CurveKeys other_server = generate_curve_keys();
  zmq::context_t ctx;
  auto push = raw_push(ctx, head->result_endpoint(), &keys.workers.at(1), other_server.public_key);
  push.send(zmq::buffer(valid_result(1)), zmq::send_flags::dontwait);
  ASSERT_TRUE(eventually([&] { return head->stats().rejected_connections >= 1; })) << log.text();
  expect_silence(*head);
  EXPECT_TRUE(eventually([&] { return log.contains("refused a connection to the result socket"); }))
      << log.text();
}

TEST(ControlSecurity, UnknownSubscriberReadsNoPlans) {
  ClusterKeys keys({1});
  auto head = make_head(keys);
  auto worker = make_worker(*head, keys, 1);
  const CurveKeys intruder = generate_curve_keys();
  zmq::context_t ctx;
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::curve_serverkey, keys.server.public_key);
  sub.set(zmq::sockopt::curve_publickey, intruder.public_key);
  sub.set(zmq::sockopt::curve_secretkey, intruder.secret_key);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(head->plan_endpoint());
  run_handshake(*head, {worker.get()}, {1}, 10s);
  ASSERT_TRUE(eventually([&] { return head->stats().rejected_connections >= 1; }));
  StepPlan plan;
  plan.step_id = 1;
  plan.finished_ids = {99};
  head->publish_plan(plan);
  std::optional<Incoming> m;
  do {
    m = worker->next(Clock::now() + 5s);
  } while (m && m->type != MessageType::kPlan);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->plan.finished_ids, std::vector<RequestId>{99});
  zmq::message_t stolen;
  sub.set(zmq::sockopt::rcvtimeo, 300);
  EXPECT_FALSE(sub.recv(stolen)) << "an unknown key received " << stolen.size() << " bytes";
}

// Connects a plain TCP socket to `endpoint`, sends `bytes`, closes.
void send_raw_tcp(const std::string& endpoint, const std::string& bytes) {
  const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::this_thread::sleep_for(20ms);
  ::close(fd);
}

TEST(ControlSecurity, GarbageOnThePortsDoesNotHurtTheHead) {
  ClusterKeys keys({1});
  auto head = make_head(keys);
  std::string noise(300, '\0');
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 37 + 11) % 256);
  // A ZMTP 3 greeting announcing the NULL mechanism, then noise; and an HTTP request.
  std::string greeting("\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03\x00NULL", 16);
  greeting.resize(64, '\0');
  for (const std::string& endpoint : {head->plan_endpoint(), head->result_endpoint()}) {
    send_raw_tcp(endpoint, noise);
    send_raw_tcp(endpoint, greeting + noise);
    send_raw_tcp(endpoint, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    send_raw_tcp(endpoint, "");
  }
  EXPECT_TRUE(eventually([&] { return head->stats().rejected_connections >= 4; }))
      << head->stats().rejected_connections;
  // Still serving: a real worker gets through and its result arrives.
  auto worker = make_worker(*head, keys, 1);
  run_handshake(*head, {worker.get()}, {1}, 10s);
  StepResult r;
  r.step_id = 5;
  r.tokens.push_back({1, 2, 0.0f, {}});
  worker->send_result(r);
  const auto m = head->poll(Clock::now() + 5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->result.step_id, 5u);
}

TEST(ControlSecurity, AuthenticatedNonsenseIsDroppedAndCounted) {
  LogCapture log;
  ClusterKeys keys({1, 2});
  HeadControlOptions options;
  options.rank_keys = keys.rank_keys();
  auto head = make_head(keys, options);
  zmq::context_t ctx;
  auto push = raw_push(ctx, head->result_endpoint(), &keys.workers.at(1), keys.server.public_key);
  push.send(zmq::buffer(std::string("not a message at all")), zmq::send_flags::none);
  push.send(zmq::buffer(valid_result(2)), zmq::send_flags::none);  // rank 1's key speaking for rank 2
  StepPlan plan;
  std::string bytes;
  encode_plan(plan, 1, bytes);
  push.send(zmq::buffer(bytes), zmq::send_flags::none);  // only the head sends plans
  encode_signal(MessageType::kHeartbeat, 7, 1, bytes);
  push.send(zmq::buffer(bytes), zmq::send_flags::none);            // rank 7 has no key
  push.send(zmq::buffer(valid_result(1)), zmq::send_flags::none);  // the one good message
  const auto m = head->poll(Clock::now() + 5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, MessageType::kResult);
  EXPECT_EQ(m->sender, 1);
  const HeadControlStats stats = head->stats();
  EXPECT_EQ(stats.malformed_messages, 1u);
  EXPECT_EQ(stats.unexpected_senders, 3u);
  EXPECT_EQ(stats.rejected_connections, 0u);
  EXPECT_TRUE(log.contains("dropped a malformed message", "bad magic")) << log.text();
  EXPECT_TRUE(log.contains("sender rank 2", "a CURVE key that is not its own")) << log.text();
  EXPECT_TRUE(log.contains("which only the head sends")) << log.text();
}

}  // namespace
}  // namespace llmc
