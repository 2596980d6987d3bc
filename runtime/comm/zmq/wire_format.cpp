#include "runtime/comm/zmq/wire_format.h"

#include "runtime/comm/zmq/byte_io.h"

namespace llmc {
namespace {

using wire::Reader;
using wire::Writer;

constexpr char kMagic[4] = {'L', 'L', 'M', 'C'};
// Sanity bounds: far above any real plan, far below what would exhaust memory.
constexpr uint64_t kMaxPayload = uint64_t{1} << 30;
// magic 4, version 2, type 1, sender 4, sequence 8, payload length 4.
constexpr size_t kHeaderBytes = 23;

void write_ids(Writer& w, const std::vector<int32_t>& ids) {
  w.varint(ids.size());
  for (int32_t id : ids) w.svarint(id);
}

std::vector<int32_t> read_ids(Reader& r) {
  std::vector<int32_t> ids(r.count(1));
  for (int32_t& id : ids) id = r.i32();
  return ids;
}

void write_sampling(Writer& w, const SamplingParams& s) {
  w.f32(s.temperature);
  w.f32(s.top_p);
  w.svarint(s.top_k);
  w.f32(s.min_p);
  w.f32(s.repetition_penalty);
  w.f32(s.presence_penalty);
  w.f32(s.frequency_penalty);
  w.varint(s.seed);
  w.u8(static_cast<uint8_t>(s.user_seeded) | static_cast<uint8_t>(s.ignore_eos) << 1 |
       static_cast<uint8_t>(s.include_stop_str_in_output) << 2);
  w.svarint(s.logprobs);
  w.svarint(s.max_tokens);
  w.svarint(s.min_tokens);
  w.svarint(s.n);
  write_ids(w, s.stop_token_ids);
  w.varint(s.stop.size());
  for (const auto& stop : s.stop) w.str(stop);
}

SamplingParams read_sampling(Reader& r) {
  SamplingParams s;
  s.temperature = r.f32();
  s.top_p = r.f32();
  s.top_k = r.i32();
  s.min_p = r.f32();
  s.repetition_penalty = r.f32();
  s.presence_penalty = r.f32();
  s.frequency_penalty = r.f32();
  s.seed = r.varint();
  const uint8_t flags = r.u8();
  s.user_seeded = flags & 1;
  s.ignore_eos = flags & 2;
  s.include_stop_str_in_output = flags & 4;
  s.logprobs = r.i32();
  s.max_tokens = r.i32();
  s.min_tokens = r.i32();
  s.n = r.i32();
  s.stop_token_ids = read_ids(r);
  s.stop.resize(r.count(1));
  for (auto& stop : s.stop) stop = r.str();
  return s;
}

}  // namespace

const char* message_type_name(MessageType t) {
  switch (t) {
    case MessageType::kPlan: return "plan";
    case MessageType::kResult: return "result";
    case MessageType::kHeartbeat: return "heartbeat";
    case MessageType::kHello: return "hello";
    case MessageType::kReady: return "ready";
    case MessageType::kShutdown: return "shutdown";
    case MessageType::kError: return "error";
  }
  return "unknown";
}

std::string encode_envelope(MessageType type, int32_t sender, uint64_t seq, std::string_view payload) {
  Writer w;
  w.fixed(kMagic, 4);
  const uint16_t version = kWireVersion;
  w.fixed(&version, 2);
  w.u8(static_cast<uint8_t>(type));
  w.fixed(&sender, 4);
  w.fixed(&seq, 8);
  const auto len = static_cast<uint32_t>(payload.size());
  w.fixed(&len, 4);
  w.fixed(payload.data(), payload.size());
  return w.take();
}

Envelope decode_envelope(std::string_view bytes) {
  Reader r(bytes, "control message");
  char magic[4];
  r.fixed(magic, 4);
  LLMC_CHECK(std::string_view(magic, 4) == std::string_view(kMagic, 4)) << "control message: bad magic (not llm-cluster)";
  uint16_t version = 0;
  r.fixed(&version, 2);
  LLMC_CHECK(version == kWireVersion) << "control message: wire format version " << version << ", this build speaks "
                                      << kWireVersion << " (mixed llm-cluster versions?)";
  Envelope e;
  const uint8_t type = r.u8();
  LLMC_CHECK(type >= 1 && type <= 7) << "control message: unknown message type " << int{type};
  e.type = static_cast<MessageType>(type);
  r.fixed(&e.sender, 4);
  r.fixed(&e.seq, 8);
  uint32_t len = 0;
  r.fixed(&len, 4);
  LLMC_CHECK(len == bytes.size() - kHeaderBytes && len <= kMaxPayload)
      << "control message: payload length " << len << " but " << bytes.size() - kHeaderBytes << " bytes follow";
  e.payload = bytes.substr(kHeaderBytes);
  return e;
}

std::string encode_plan(const StepPlan& p) {
  Writer w;
  w.varint(p.step_id);
  w.varint(p.new_requests.size());
  for (const NewRequestPlan& n : p.new_requests) {
    w.varint(n.id);
    write_ids(w, n.token_ids);
    w.svarint(n.num_prompt_tokens);
    write_sampling(w, n.sampling);
    write_ids(w, n.block_ids);
    w.svarint(n.num_computed_tokens);
    w.svarint(n.num_scheduled_tokens);
  }
  w.varint(p.cached_requests.size());
  for (const CachedRequestPlan& c : p.cached_requests) {
    w.varint(c.id);
    write_ids(w, c.new_token_ids);
    write_ids(w, c.new_block_ids);
    w.svarint(c.num_computed_tokens);
    w.svarint(c.num_scheduled_tokens);
  }
  w.varint(p.finished_ids.size());
  for (RequestId id : p.finished_ids) w.varint(id);
  return w.take();
}

StepPlan decode_plan(std::string_view payload) {
  Reader r(payload, "step plan");
  StepPlan p;
  p.step_id = r.varint();
  p.new_requests.resize(r.count(32));  // a new request takes at least 32 bytes (its sampling parameters)
  for (NewRequestPlan& n : p.new_requests) {
    n.id = r.varint();
    n.token_ids = read_ids(r);
    n.num_prompt_tokens = r.i32();
    n.sampling = read_sampling(r);
    n.block_ids = read_ids(r);
    n.num_computed_tokens = r.i32();
    n.num_scheduled_tokens = r.i32();
  }
  p.cached_requests.resize(r.count(5));
  for (CachedRequestPlan& c : p.cached_requests) {
    c.id = r.varint();
    c.new_token_ids = read_ids(r);
    c.new_block_ids = read_ids(r);
    c.num_computed_tokens = r.i32();
    c.num_scheduled_tokens = r.i32();
  }
  p.finished_ids.resize(r.count(1));
  for (RequestId& id : p.finished_ids) id = r.varint();
  r.expect_end();
  return p;
}

std::string encode_result(const StepResult& res) {
  Writer w;
  w.varint(res.step_id);
  w.varint(res.tokens.size());
  for (const SampledToken& t : res.tokens) {
    w.varint(t.id);
    w.svarint(t.token_id);
    w.f32(t.logprob);
    w.varint(t.top_logprobs.size());
    for (const TokenLogprob& l : t.top_logprobs) {
      w.svarint(l.token_id);
      w.f32(l.logprob);
    }
  }
  w.str(res.error);
  return w.take();
}

StepResult decode_result(std::string_view payload) {
  Reader r(payload, "step result");
  StepResult res;
  res.step_id = r.varint();
  res.tokens.resize(r.count(7));
  for (SampledToken& t : res.tokens) {
    t.id = r.varint();
    t.token_id = r.i32();
    t.logprob = r.f32();
    t.top_logprobs.resize(r.count(5));
    for (TokenLogprob& l : t.top_logprobs) {
      l.token_id = r.i32();
      l.logprob = r.f32();
    }
  }
  res.error = r.str();
  r.expect_end();
  return res;
}

}  // namespace llmc
