// The bytes that cross the control plane between the head and the workers.
//
// Every message is an envelope followed by its payload:
//   magic "LLMC" (4 bytes) | format version (u16) | message type (u8) | sender rank (i32) |
//   sequence number (u64) | payload length (u32) | payload
// Fixed-width integers are little-endian. In payloads, counts and 64-bit ids are LEB128 varints, 32-bit
// signed values (token ids, block ids, counts of tokens, sampling integers) zigzag varints, floats IEEE-754
// binary32 bit patterns (NaN payloads survive), the three SamplingParams booleans one flags byte, and the
// seed 8 fixed bytes (random seeds would not shrink as varints). Plans carry new requests in full (every
// SamplingParams field, stop strings included) and running requests as deltas. Full layout: README.md.
//
// Sequence numbers: a plan's and a result's are the step id (which is therefore not repeated in the
// payload); for the other types they count that type's messages per sender.
//
// Decoding trusts nothing (see wire_buffer.h): any defect is an llmc::Error naming it, and a message that
// decodes re-encodes to exactly the same bytes. Encoders replace the contents of `out` and keep its capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/check.h"  // llmc::Error, thrown on malformed input
#include "runtime/comm/step_plan.h"

namespace llmc {

// Bump on any change to the layout; peers of different versions refuse each other's messages.
inline constexpr uint16_t kWireVersion = 2;  // 2: SamplingParams carries a ConstraintSpec
inline constexpr size_t kEnvelopeBytes = 23;

enum class MessageType : uint8_t {
  kPlan = 1,       // head -> workers: a StepPlan
  kResult = 2,     // sampling worker -> head: a StepResult
  kHeartbeat = 3,  // both ways, empty
  kHello = 4,      // head -> workers during the handshake: next step id (varint, 0 = none published yet)
  kReady = 5,      // worker -> head: answers hello (seq = the hello's), empty
  kShutdown = 6,   // head -> workers, empty
  kError = 7,      // worker -> head: what failed (string); seq = the last step the worker saw
};
const char* message_type_name(MessageType type);

// One decoded message; only the member its type names is filled.
struct WireMessage {
  MessageType type = MessageType::kHeartbeat;
  int32_t sender = 0;
  uint64_t seq = 0;
  StepPlan plan;           // kPlan (plan.step_id == seq)
  StepResult result;       // kResult (result.step_id == seq)
  std::string error;       // kError
  uint64_t next_step = 0;  // kHello
};

// The envelope alone; `payload` points into the decoded bytes.
struct Envelope {
  MessageType type = MessageType::kHeartbeat;
  int32_t sender = 0;
  uint64_t seq = 0;
  std::string_view payload;
};

void encode_plan(const StepPlan& plan, int32_t sender, std::string& out);
void encode_result(const StepResult& result, int32_t sender, std::string& out);
void encode_error(int32_t sender, uint64_t seq, std::string_view text, std::string& out);
void encode_hello(int32_t sender, uint64_t seq, uint64_t next_step, std::string& out);
// kHeartbeat, kReady or kShutdown (the types without a payload).
void encode_signal(MessageType type, int32_t sender, uint64_t seq, std::string& out);

// Checks magic, version, type and that the payload length matches the bytes that follow exactly.
Envelope decode_envelope(std::string_view bytes);
WireMessage decode_message(std::string_view bytes);

}  // namespace llmc
