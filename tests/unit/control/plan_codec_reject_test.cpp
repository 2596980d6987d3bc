// The decoder refuses every kind of malformed input with an llmc::Error that says what is wrong.
#include <gtest/gtest.h>

#include "runtime/comm/control/plan_codec.h"

namespace llmc {
namespace {

// The decoder's message for `bytes`; fails the test when it decodes.
std::string rejection(const std::string& bytes) {
  try {
    decode_message(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "decoded although malformed";
  return "";
}

void put_u32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

constexpr size_t kTypeAt = 6, kLengthAt = 19;

std::string sample_plan() {
  StepPlan plan;
  plan.step_id = 3;
  NewRequestPlan n;
  n.id = 1;
  n.token_ids = {1, 2, 3};
  n.sampling.stop = {"stop"};
  plan.new_requests.push_back(n);
  plan.cached_requests.push_back({2, {7}, {8}, 4, 1});
  std::string buf;
  encode_plan(plan, 0, buf);
  return buf;
}

TEST(PlanCodecReject, EveryTruncationIsRefused) {
  const std::string full = sample_plan();
  for (size_t n = 0; n < full.size(); ++n) {
    const std::string what = rejection(full.substr(0, n));
    EXPECT_NE(what.find("truncated"), std::string::npos) << n << ": " << what;
  }
}

TEST(PlanCodecReject, TrailingBytes) {
  EXPECT_NE(rejection(sample_plan() + "x").find("trailing bytes"), std::string::npos);
  // Extra bytes inside the payload (length patched to cover them) are refused by the payload reader.
  std::string s = sample_plan() + "xy";
  put_u32(s, kLengthAt, static_cast<uint32_t>(s.size() - kEnvelopeBytes));
  const std::string what = rejection(s);
  EXPECT_NE(what.find("plan payload: trailing bytes: 2 byte(s)"), std::string::npos) << what;
}

TEST(PlanCodecReject, BadMagicNamesTheBytes) {
  std::string s = sample_plan();
  s[0] = 'X';
  const std::string what = rejection(s);
  EXPECT_NE(what.find("bad magic"), std::string::npos) << what;
  EXPECT_NE(what.find("58 4c 4d 43"), std::string::npos) << what;
  EXPECT_NE(rejection("GET / HTTP/1.1\r\n\r\n").find("bad magic"), std::string::npos);
}

TEST(PlanCodecReject, OtherVersionNamesBothVersions) {
  std::string s = sample_plan();
  s[4] = 1;
  const std::string what = rejection(s);
  EXPECT_NE(what.find("version 1"), std::string::npos) << what;
  EXPECT_NE(what.find("speaks version 2"), std::string::npos) << what;
}

TEST(PlanCodecReject, UnknownType) {
  for (int type : {0, 8, 255}) {
    std::string s = sample_plan();
    s[kTypeAt] = static_cast<char>(type);
    EXPECT_NE(rejection(s).find("unknown message type " + std::to_string(type)), std::string::npos);
  }
}

TEST(PlanCodecReject, PayloadOnASignal) {
  std::string s;
  encode_signal(MessageType::kHeartbeat, 1, 1, s);
  s += "z";
  put_u32(s, kLengthAt, 1);
  EXPECT_NE(rejection(s).find("heartbeat payload: trailing bytes"), std::string::npos);
}

TEST(PlanCodecReject, AbsurdLengthsAreRefusedBeforeAllocating) {
  // A plan claiming 2^62 new requests / a token vector of 2^31 entries in a few bytes.
  const std::string env =
      std::string("LLMC") + static_cast<char>(kWireVersion) + '\x00' + '\x01' + std::string(12, '\0');
  auto with_payload = [&](const std::string& payload) {
    std::string s = env;
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
    return s + payload;
  };
  std::string what = rejection(with_payload("\xff\xff\xff\xff\xff\xff\xff\xff\x3f"));
  EXPECT_NE(what.find("length 4611686018427387903 is impossible"), std::string::npos) << what;
  EXPECT_NE(what.find("field new_requests"), std::string::npos) << what;
  // One cached request whose new_token_ids claims 2^31 entries.
  what =
      rejection(with_payload(std::string("\x00\x01\x05", 3) + "\x80\x80\x80\x80\x08" + "\x00\x00\x00\x00"));
  EXPECT_NE(what.find("length 2147483648 is impossible"), std::string::npos) << what;
  EXPECT_NE(what.find("cached_requests[0].new_token_ids"), std::string::npos) << what;
  // An error text longer than the message.
  std::string s;
  encode_error(1, 1, "abc", s);
  s[kEnvelopeBytes] = 100;
  what = rejection(s);
  EXPECT_NE(what.find("length 100 is impossible"), std::string::npos) << what;
}

TEST(PlanCodecReject, BadVarints) {
  std::string s;
  encode_hello(0, 1, 0, s);
  const std::string head = s.substr(0, kEnvelopeBytes);
  auto hello = [&](const std::string& payload) {
    std::string m = head + payload;
    put_u32(m, kLengthAt, static_cast<uint32_t>(payload.size()));
    return m;
  };
  EXPECT_NE(rejection(hello(std::string(10, '\xff') + '\x01')).find("varint"), std::string::npos);
  EXPECT_NE(rejection(hello(std::string(9, '\xff') + '\x02')).find("overflows 64 bits"), std::string::npos);
  EXPECT_NE(rejection(hello(std::string("\x85\x00", 2))).find("non-canonical varint"), std::string::npos);
  // A token id beyond 32 bits.
  std::string plan = std::string("\x00\x01\x05\x01", 4) + "\x80\x80\x80\x80\x10" + "\x00\x00\x00\x00";
  EXPECT_NE(rejection(hello(plan).replace(kTypeAt, 1, 1, '\x01')).find("does not fit 32 bits"),
            std::string::npos);
}

TEST(PlanCodecReject, UnknownSamplingFlags) {
  std::string s = sample_plan();
  // Offset of the flags byte in sample_plan(): envelope, new count, id, 3 tokens, num_prompt, then sampling
  // up to flags (4+4+1+4+4+4+4+8+1+1+1+1 = 37 bytes).
  const size_t flags_at = kEnvelopeBytes + 1 + 1 + 4 + 1 + 37;
  ASSERT_EQ(s[flags_at], 0);
  s[flags_at] = 8;
  const std::string what = rejection(s);
  EXPECT_NE(what.find("new_requests[0].sampling.flags"), std::string::npos) << what;
  EXPECT_NE(what.find("unknown bits"), std::string::npos) << what;
}

}  // namespace
}  // namespace llmc

namespace llmc {
namespace {

// The constraint kind byte follows the stop strings: sample_plan()'s "stop" string ends 2 bytes before it
// (stop count 1, length 4, "stop").
TEST(PlanCodecReject, UnknownConstraintKind) {
  std::string s = sample_plan();
  const size_t stop_at = s.find("stop");
  ASSERT_NE(stop_at, std::string::npos);
  const size_t kind_at = stop_at + 4;
  ASSERT_EQ(s[kind_at], 0);
  s[kind_at] = 9;
  const std::string what = rejection(s);
  EXPECT_NE(what.find("new_requests[0].sampling.constraint.kind"), std::string::npos) << what;
  EXPECT_NE(what.find("unknown"), std::string::npos) << what;
}

TEST(PlanCodecReject, ConstraintStrictIsABoolean) {
  StepPlan plan;
  NewRequestPlan n;
  n.id = 1;
  n.token_ids = {1};
  n.sampling.constraint = ConstraintSpec{ConstraintKind::kRegex, "[a-z]+", true};
  plan.new_requests.push_back(n);
  std::string buf;
  encode_plan(plan, 0, buf);
  const size_t text_at = buf.find("[a-z]+");
  ASSERT_NE(text_at, std::string::npos);
  ASSERT_EQ(buf[text_at - 2], 1);  // strict, then the text's length
  buf[text_at - 2] = 2;
  EXPECT_NE(rejection(buf).find("constraint.strict"), std::string::npos);
}

}  // namespace
}  // namespace llmc
