#include "runtime/comm/control/plan_codec.h"

#include <cstdio>
#include <limits>

#include "common/check.h"
#include "runtime/comm/control/plan_codec_payload.h"
#include "runtime/comm/control/wire_buffer.h"

namespace llmc {
namespace {

constexpr std::string_view kMagic = "LLMC";
constexpr size_t kPayloadLengthOffset = kEnvelopeBytes - 4;

// The envelope with a placeholder payload length; finish() patches it.
void write_envelope(WireWriter& w, MessageType type, int32_t sender, uint64_t seq) {
  w.raw(kMagic);
  w.u16(kWireVersion);
  w.u8(static_cast<uint8_t>(type));
  w.i32(sender);
  w.u64(seq);
  w.u32(0);
}

void finish(WireWriter& w, MessageType type) {
  const size_t payload = w.size() - kEnvelopeBytes;
  LLMC_CHECK(payload <= std::numeric_limits<uint32_t>::max())
      << "wire encoder: " << message_type_name(type) << " payload of " << payload
      << " bytes exceeds the 4 GiB a message can carry";
  w.patch_u32(kPayloadLengthOffset, static_cast<uint32_t>(payload));
  w.finish();
}

bool known_type(uint8_t t) {
  return t >= static_cast<uint8_t>(MessageType::kPlan) && t <= static_cast<uint8_t>(MessageType::kError);
}

std::string hex_bytes(std::string_view bytes) {
  std::string s;
  char buf[4];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    if (!s.empty()) s += ' ';
    s += buf;
  }
  return s;
}

}  // namespace

const char* message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kPlan:
      return "plan";
    case MessageType::kResult:
      return "result";
    case MessageType::kHeartbeat:
      return "heartbeat";
    case MessageType::kHello:
      return "hello";
    case MessageType::kReady:
      return "ready";
    case MessageType::kShutdown:
      return "shutdown";
    case MessageType::kError:
      return "error";
  }
  return "unknown";
}

void encode_plan(const StepPlan& plan, int32_t sender, std::string& out) {
  out.clear();
  WireWriter w(out);
  write_envelope(w, MessageType::kPlan, sender, plan.step_id);
  write_plan_payload(plan, w);
  finish(w, MessageType::kPlan);
}

void encode_result(const StepResult& result, int32_t sender, std::string& out) {
  out.clear();
  WireWriter w(out);
  write_envelope(w, MessageType::kResult, sender, result.step_id);
  write_result_payload(result, w);
  finish(w, MessageType::kResult);
}

void encode_error(int32_t sender, uint64_t seq, std::string_view text, std::string& out) {
  out.clear();
  WireWriter w(out);
  write_envelope(w, MessageType::kError, sender, seq);
  w.string(text);
  finish(w, MessageType::kError);
}

void encode_hello(int32_t sender, uint64_t seq, uint64_t next_step, std::string& out) {
  out.clear();
  WireWriter w(out);
  write_envelope(w, MessageType::kHello, sender, seq);
  w.varint(next_step);
  finish(w, MessageType::kHello);
}

void encode_signal(MessageType type, int32_t sender, uint64_t seq, std::string& out) {
  LLMC_CHECK(type == MessageType::kHeartbeat || type == MessageType::kReady || type == MessageType::kShutdown)
      << "encode_signal: " << message_type_name(type) << " messages carry a payload";
  out.clear();
  WireWriter w(out);
  write_envelope(w, type, sender, seq);
  finish(w, type);
}

Envelope decode_envelope(std::string_view bytes) {
  WireReader r(bytes, "wire envelope");
  if (bytes.size() >= kMagic.size() && bytes.substr(0, kMagic.size()) != kMagic) {
    r.fail("magic", "bad magic: expected \"LLMC\" (4c 4c 4d 43), got " + hex_bytes(bytes.substr(0, 4)));
  }
  if (bytes.size() < kEnvelopeBytes) {
    r.fail("", "truncated envelope: " + std::to_string(bytes.size()) + " byte(s), an envelope takes " +
                   std::to_string(kEnvelopeBytes));
  }
  r.take("magic", kMagic.size());
  const uint16_t version = r.u16("version");
  if (version != kWireVersion) {
    r.fail("version", "message has wire format version " + std::to_string(version) +
                          ", this build speaks version " + std::to_string(kWireVersion) +
                          " (head and workers must run the same build)");
  }
  const uint8_t type = r.u8("type");
  if (!known_type(type)) r.fail("type", "unknown message type " + std::to_string(type));
  Envelope e;
  e.type = static_cast<MessageType>(type);
  e.sender = r.i32("sender");
  e.seq = r.u64("seq");
  const uint32_t length = r.u32("payload_length");
  if (length > r.remaining()) {
    r.fail("payload_length", "truncated: payload length " + std::to_string(length) + " but " +
                                 std::to_string(r.remaining()) + " byte(s) follow the envelope");
  }
  if (length < r.remaining()) {
    r.fail("payload_length", "trailing bytes: payload length " + std::to_string(length) + " but " +
                                 std::to_string(r.remaining()) + " byte(s) follow the envelope");
  }
  e.payload = r.take("payload", length);
  return e;
}

WireMessage decode_message(std::string_view bytes) {
  const Envelope e = decode_envelope(bytes);
  WireMessage m;
  m.type = e.type;
  m.sender = e.sender;
  m.seq = e.seq;
  const std::string what = std::string(message_type_name(e.type)) + " payload";
  WireReader r(e.payload, what.c_str());
  switch (e.type) {
    case MessageType::kPlan:
      read_plan_payload(r, m.plan);
      m.plan.step_id = e.seq;
      break;
    case MessageType::kResult:
      read_result_payload(r, m.result);
      m.result.step_id = e.seq;
      break;
    case MessageType::kError:
      m.error = r.string("text");
      break;
    case MessageType::kHello:
      m.next_step = r.varint("next_step");
      break;
    case MessageType::kHeartbeat:
    case MessageType::kReady:
    case MessageType::kShutdown:
      break;
  }
  r.expect_end();
  return m;
}

}  // namespace llmc
