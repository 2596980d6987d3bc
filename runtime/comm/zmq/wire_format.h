// The bytes that cross the control plane: an envelope (magic "LLMC", format version, message type, sender
// rank, sequence number, payload length) around a compact payload. Plans carry new requests in full and
// running requests as deltas; integers are LEB128 varints (zigzag for signed), floats 4-byte little-endian.
//
// Decoding trusts nothing: every length is checked against the bytes that remain before anything is
// allocated, and any defect (truncation, trailing bytes, bad magic, other version, unknown type) is an
// llmc::Error naming it. Encoders and decoders are pure functions, so both ends and the fuzz test share them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/comm/step_plan.h"

namespace llmc {

inline constexpr uint16_t kWireVersion = 1;

enum class MessageType : uint8_t {
  kPlan = 1,       // head -> workers: a StepPlan
  kResult = 2,     // sampling worker -> head: a StepResult
  kHeartbeat = 3,  // both ways
  kHello = 4,      // head -> workers during the handshake
  kReady = 5,      // worker -> head: answer to hello
  kShutdown = 6,   // head -> workers
  kError = 7,      // worker -> head: a failure, text payload
};

struct Envelope {
  MessageType type = MessageType::kHeartbeat;
  int32_t sender = 0;
  uint64_t seq = 0;
  std::string_view payload;  // points into the decoded buffer
};

std::string encode_envelope(MessageType type, int32_t sender, uint64_t seq, std::string_view payload);
Envelope decode_envelope(std::string_view bytes);

std::string encode_plan(const StepPlan& plan);
StepPlan decode_plan(std::string_view payload);
std::string encode_result(const StepResult& result);
StepResult decode_result(std::string_view payload);

const char* message_type_name(MessageType type);

}  // namespace llmc
