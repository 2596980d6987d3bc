// Plans and results survive encode -> decode field by field; a few messages are checked byte by byte
// against layouts assembled by hand from the format description in plan_codec.h.
#include <gtest/gtest.h>

#include <limits>

#include "runtime/comm/control/plan_codec.h"
#include "tests/unit/control/expect_same.h"
#include "tests/unit/control/random_messages.h"

namespace llmc {
namespace {

using test::expect_same;

std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

// Magic, version 2, type, sender, seq, payload length: every value written out by hand.
std::string envelope(int type, int32_t sender, uint64_t seq, uint32_t length) {
  std::string s = "LLMC" + bytes({2, 0, type});
  for (int i = 0; i < 4; ++i)
    s.push_back(static_cast<char>((static_cast<uint32_t>(sender) >> (8 * i)) & 0xff));
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return s;
}

TEST(PlanCodec, RandomPlansRoundTrip) {
  test::RandomMessages random(20240611);
  std::string buf;
  for (int i = 0; i < 300; ++i) {
    const StepPlan plan = random.plan(random.u64());
    const int32_t sender = random.i32();
    encode_plan(plan, sender, buf);
    const WireMessage m = decode_message(buf);
    ASSERT_EQ(m.type, MessageType::kPlan);
    EXPECT_EQ(m.sender, sender);
    EXPECT_EQ(m.seq, plan.step_id);
    expect_same(plan, m.plan);
    if (HasFailure()) FAIL() << "plan " << i;
  }
}

TEST(PlanCodec, RandomResultsRoundTrip) {
  test::RandomMessages random(777);
  std::string buf;
  for (int i = 0; i < 300; ++i) {
    const StepResult result = random.result(random.u64());
    encode_result(result, 3, buf);
    const WireMessage m = decode_message(buf);
    ASSERT_EQ(m.type, MessageType::kResult);
    EXPECT_EQ(m.sender, 3);
    expect_same(result, m.result);
    if (HasFailure()) FAIL() << "result " << i;
  }
}

TEST(PlanCodec, EmptyAndHugePlans) {
  std::string buf;
  StepPlan empty;
  encode_plan(empty, 0, buf);
  EXPECT_EQ(buf.size(), kEnvelopeBytes + 3);  // three zero counts
  expect_same(empty, decode_message(buf).plan);

  StepPlan huge;
  huge.step_id = std::numeric_limits<uint64_t>::max();
  NewRequestPlan n;
  n.id = std::numeric_limits<uint64_t>::max();
  n.token_ids.resize(1'000'000);
  for (size_t i = 0; i < n.token_ids.size(); ++i) n.token_ids[i] = static_cast<int32_t>(i * 7919 % 152064);
  n.block_ids.resize(100'000);
  for (size_t i = 0; i < n.block_ids.size(); ++i) n.block_ids[i] = static_cast<int32_t>(i);
  n.sampling.stop.assign(1000, std::string(1000, 'x'));
  huge.new_requests.push_back(n);
  huge.cached_requests.resize(20'000);
  for (size_t i = 0; i < huge.cached_requests.size(); ++i) huge.cached_requests[i].id = i;
  huge.finished_ids.assign(50'000, 12345678901234ull);
  encode_plan(huge, 0, buf);
  expect_same(huge, decode_message(buf).plan);
}

TEST(PlanCodec, SignalsHelloAndErrorRoundTrip) {
  std::string buf;
  encode_hello(0, 9, 1234567, buf);
  WireMessage m = decode_message(buf);
  EXPECT_EQ(m.type, MessageType::kHello);
  EXPECT_EQ(m.seq, 9u);
  EXPECT_EQ(m.next_step, 1234567u);
  const std::string text("worker 2: CUDA out of memory\0tail", 33);
  encode_error(-5, 77, text, buf);
  m = decode_message(buf);
  EXPECT_EQ(m.type, MessageType::kError);
  EXPECT_EQ(m.sender, -5);
  EXPECT_EQ(m.error, text);
  for (MessageType t : {MessageType::kHeartbeat, MessageType::kReady, MessageType::kShutdown}) {
    encode_signal(t, 4, 11, buf);
    EXPECT_EQ(buf.size(), kEnvelopeBytes);
    EXPECT_EQ(decode_message(buf).type, t);
  }
  EXPECT_THROW(encode_signal(MessageType::kPlan, 0, 0, buf), Error);
}

TEST(PlanCodec, HeartbeatBytesByHand) {
  std::string buf;
  encode_signal(MessageType::kHeartbeat, 2, 5, buf);
  EXPECT_EQ(buf, envelope(3, 2, 5, 0));
}

TEST(PlanCodec, CachedRequestPlanBytesByHand) {
  StepPlan plan;
  plan.step_id = 7;
  CachedRequestPlan c;
  c.id = 300;
  c.new_token_ids = {-1, 64};
  c.num_computed_tokens = 5;
  c.num_scheduled_tokens = 1;
  plan.cached_requests.push_back(c);
  plan.finished_ids = {1};
  // new count 0 | cached count 1 | id 300 = ac 02 | 2 tokens: zigzag(-1) = 01, zigzag(64) = 128 = 80 01 |
  // 0 blocks | zigzag(5) = 0a | zigzag(1) = 02 | finished count 1 | id 1
  const std::string payload =
      bytes({0x00, 0x01, 0xac, 0x02, 0x02, 0x01, 0x80, 0x01, 0x00, 0x0a, 0x02, 0x01, 0x01});
  std::string buf;
  encode_plan(plan, 0, buf);
  EXPECT_EQ(buf, envelope(1, 0, 7, 13) + payload);
}

TEST(PlanCodec, NewRequestPlanBytesByHand) {
  StepPlan plan;
  plan.step_id = 1;
  NewRequestPlan n;
  n.id = 5;
  n.token_ids = {10, 11};
  n.num_prompt_tokens = 2;
  n.sampling.seed = 42;
  n.sampling.user_seeded = true;
  n.sampling.stop_token_ids = {2};
  n.sampling.stop = {"ab"};
  n.block_ids = {3};
  n.num_scheduled_tokens = 2;
  plan.new_requests.push_back(n);
  const std::string sampling =
      bytes({0x00, 0x00, 0x80, 0x3f,                          // temperature 1.0
             0x00, 0x00, 0x80, 0x3f,                          // top_p 1.0
             0x00,                                            // top_k 0
             0x00, 0x00, 0x00, 0x00,                          // min_p 0.0
             0x00, 0x00, 0x80, 0x3f,                          // repetition_penalty 1.0
             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // presence, frequency 0.0
             0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seed 42
             0x01, 0x20, 0x00, 0x02,                          // logprobs -1, max_tokens 16, min_tokens 0, n 1
             0x01,                                            // flags: user_seeded
             0x01, 0x04,                                      // stop_token_ids {2}
             0x01, 0x02, 'a',  'b',                           // stop {"ab"}
             0x00});                                          // constraint: none
  const std::string payload = bytes({0x01, 0x05, 0x02, 0x14, 0x16, 0x04}) + sampling +
                              bytes({0x01, 0x06, 0x00, 0x04}) + bytes({0x00, 0x00});
  std::string buf;
  encode_plan(plan, 0, buf);
  EXPECT_EQ(buf, envelope(1, 0, 1, static_cast<uint32_t>(payload.size())) + payload);
  expect_same(plan, decode_message(buf).plan);
}

TEST(PlanCodec, ConstraintBytesByHand) {
  StepPlan plan;
  plan.step_id = 1;
  NewRequestPlan n;
  n.id = 5;
  n.sampling.constraint = ConstraintSpec{ConstraintKind::kChoice, R"(["a"])", true};
  plan.new_requests.push_back(n);
  std::string buf;
  encode_plan(plan, 0, buf);
  // ... stop_token_ids {}, stop {}, kind 4 (choice), strict 1, text of 5 bytes.
  const std::string tail = bytes({0x00, 0x00, 0x04, 0x01, 0x05}) + R"(["a"])";
  EXPECT_NE(buf.find(tail), std::string::npos);
  expect_same(plan, decode_message(buf).plan);
}

TEST(PlanCodec, ResultBytesByHand) {
  StepResult r;
  r.step_id = 9;
  r.tokens.push_back({2, 5, -0.5f, {{7, -1.0f}}});
  // 1 token | id 2 | zigzag(5) = 0a | -0.5f = bf000000 | 1 top | zigzag(7) = 0e | -1.0f = bf800000 | ""
  const std::string payload =
      bytes({0x01, 0x02, 0x0a, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x0e, 0x00, 0x00, 0x80, 0xbf, 0x00});
  std::string buf;
  encode_result(r, 3, buf);
  EXPECT_EQ(buf, envelope(2, 3, 9, 14) + payload);
}

}  // namespace
}  // namespace llmc
