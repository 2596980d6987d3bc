#include "runtime/comm/control/plan_codec_payload.h"

#include <string>

namespace llmc {
namespace {

// The fewest bytes each element can take; lengths are checked against them before allocating.
// sampling: 6 floats (24) + seed (8) + 5 zigzags (5) + flags (1) + 2 lengths (2) + constraint kind (1).
constexpr size_t kMinSamplingBytes = 41;
// id, token count, num_prompt_tokens, sampling, block count, num_computed, num_scheduled.
constexpr size_t kMinNewRequestBytes = 6 + kMinSamplingBytes;
constexpr size_t kMinCachedRequestBytes = 5;  // id, 2 counts, num_computed, num_scheduled
constexpr size_t kMinSampledTokenBytes = 7;   // id, token, logprob (4), top count
constexpr size_t kMinTokenLogprobBytes = 5;   // token, logprob (4)

constexpr uint8_t kUserSeeded = 1;
constexpr uint8_t kIgnoreEos = 2;
constexpr uint8_t kIncludeStopStr = 4;

void write_sampling(const SamplingParams& s, WireWriter& w) {
  w.f32(s.temperature);
  w.f32(s.top_p);
  w.zigzag(s.top_k);
  w.f32(s.min_p);
  w.f32(s.repetition_penalty);
  w.f32(s.presence_penalty);
  w.f32(s.frequency_penalty);
  w.u64(s.seed);
  w.zigzag(s.logprobs);
  w.zigzag(s.max_tokens);
  w.zigzag(s.min_tokens);
  w.zigzag(s.n);
  w.u8((s.user_seeded ? kUserSeeded : 0) | (s.ignore_eos ? kIgnoreEos : 0) |
       (s.include_stop_str_in_output ? kIncludeStopStr : 0));
  w.zigzag_vector(s.stop_token_ids);
  w.varint(s.stop.size());
  for (const std::string& stop : s.stop) w.string(stop);
  // The constraint: its kind, then (unless none) strict and the text.
  w.u8(static_cast<uint8_t>(s.constraint.kind));
  if (s.constraint.active()) {
    w.u8(s.constraint.strict ? 1 : 0);
    w.string(s.constraint.text);
  }
}

void read_sampling(WireReader& r, SamplingParams& s) {
  WireReader::Field f(r, "sampling");
  s.temperature = r.f32("temperature");
  s.top_p = r.f32("top_p");
  s.top_k = r.zigzag("top_k");
  s.min_p = r.f32("min_p");
  s.repetition_penalty = r.f32("repetition_penalty");
  s.presence_penalty = r.f32("presence_penalty");
  s.frequency_penalty = r.f32("frequency_penalty");
  s.seed = r.u64("seed");
  s.logprobs = r.zigzag("logprobs");
  s.max_tokens = r.zigzag("max_tokens");
  s.min_tokens = r.zigzag("min_tokens");
  s.n = r.zigzag("n");
  const uint8_t flags = r.u8("flags");
  if ((flags & ~(kUserSeeded | kIgnoreEos | kIncludeStopStr)) != 0) {
    r.fail("flags",
           "flags byte " + std::to_string(flags) +
               " has unknown bits (known: 1 user_seeded, 2 ignore_eos, 4 include_stop_str_in_output)");
  }
  s.user_seeded = (flags & kUserSeeded) != 0;
  s.ignore_eos = (flags & kIgnoreEos) != 0;
  s.include_stop_str_in_output = (flags & kIncludeStopStr) != 0;
  s.stop_token_ids = r.zigzag_vector("stop_token_ids");
  s.stop.resize(r.count("stop", 1));
  for (size_t i = 0; i < s.stop.size(); ++i) {
    WireReader::Field e(r, "stop", i);
    s.stop[i] = r.string("");
  }
  const uint8_t kind = r.u8("constraint.kind");
  if (kind > static_cast<uint8_t>(ConstraintKind::kGrammar)) {
    r.fail("constraint.kind", "constraint kind " + std::to_string(kind) +
                                  " is unknown (known: 0 none, 1 json_object, 2 json_schema, 3 regex, 4 choice, 5 grammar)");
  }
  s.constraint = ConstraintSpec{};
  s.constraint.kind = static_cast<ConstraintKind>(kind);
  if (s.constraint.active()) {
    const uint8_t strict = r.u8("constraint.strict");
    if (strict > 1) r.fail("constraint.strict", "strict byte " + std::to_string(strict) + " is not 0 or 1");
    s.constraint.strict = strict == 1;
    s.constraint.text = r.string("constraint.text");
  }
}

void write_new_request(const NewRequestPlan& n, WireWriter& w) {
  w.varint(n.id);
  w.zigzag_vector(n.token_ids);
  w.zigzag(n.num_prompt_tokens);
  write_sampling(n.sampling, w);
  w.zigzag_vector(n.block_ids);
  w.zigzag(n.num_computed_tokens);
  w.zigzag(n.num_scheduled_tokens);
}

void read_new_request(WireReader& r, NewRequestPlan& n) {
  n.id = r.varint("id");
  n.token_ids = r.zigzag_vector("token_ids");
  n.num_prompt_tokens = r.zigzag("num_prompt_tokens");
  read_sampling(r, n.sampling);
  n.block_ids = r.zigzag_vector("block_ids");
  n.num_computed_tokens = r.zigzag("num_computed_tokens");
  n.num_scheduled_tokens = r.zigzag("num_scheduled_tokens");
}

void write_cached_request(const CachedRequestPlan& c, WireWriter& w) {
  w.varint(c.id);
  w.zigzag_vector(c.new_token_ids);
  w.zigzag_vector(c.new_block_ids);
  w.zigzag(c.num_computed_tokens);
  w.zigzag(c.num_scheduled_tokens);
}

void read_cached_request(WireReader& r, CachedRequestPlan& c) {
  c.id = r.varint("id");
  c.new_token_ids = r.zigzag_vector("new_token_ids");
  c.new_block_ids = r.zigzag_vector("new_block_ids");
  c.num_computed_tokens = r.zigzag("num_computed_tokens");
  c.num_scheduled_tokens = r.zigzag("num_scheduled_tokens");
}

}  // namespace

void write_plan_payload(const StepPlan& plan, WireWriter& w) {
  w.varint(plan.new_requests.size());
  for (const NewRequestPlan& n : plan.new_requests) write_new_request(n, w);
  w.varint(plan.cached_requests.size());
  for (const CachedRequestPlan& c : plan.cached_requests) write_cached_request(c, w);
  w.varint(plan.finished_ids.size());
  for (RequestId id : plan.finished_ids) w.varint(id);
}

void read_plan_payload(WireReader& r, StepPlan& plan) {
  plan.new_requests.resize(r.count("new_requests", kMinNewRequestBytes));
  for (size_t i = 0; i < plan.new_requests.size(); ++i) {
    WireReader::Field f(r, "new_requests", i);
    read_new_request(r, plan.new_requests[i]);
  }
  plan.cached_requests.resize(r.count("cached_requests", kMinCachedRequestBytes));
  for (size_t i = 0; i < plan.cached_requests.size(); ++i) {
    WireReader::Field f(r, "cached_requests", i);
    read_cached_request(r, plan.cached_requests[i]);
  }
  plan.finished_ids.resize(r.count("finished_ids", 1));
  for (size_t i = 0; i < plan.finished_ids.size(); ++i) {
    WireReader::Field f(r, "finished_ids", i);
    plan.finished_ids[i] = r.varint("");
  }
}

void write_result_payload(const StepResult& result, WireWriter& w) {
  w.varint(result.tokens.size());
  for (const SampledToken& t : result.tokens) {
    w.varint(t.id);
    w.zigzag(t.token_id);
    w.f32(t.logprob);
    w.varint(t.top_logprobs.size());
    for (const TokenLogprob& top : t.top_logprobs) {
      w.zigzag(top.token_id);
      w.f32(top.logprob);
    }
  }
  w.string(result.error);
}

void read_result_payload(WireReader& r, StepResult& result) {
  result.tokens.resize(r.count("tokens", kMinSampledTokenBytes));
  for (size_t i = 0; i < result.tokens.size(); ++i) {
    WireReader::Field f(r, "tokens", i);
    SampledToken& t = result.tokens[i];
    t.id = r.varint("id");
    t.token_id = r.zigzag("token_id");
    t.logprob = r.f32("logprob");
    t.top_logprobs.resize(r.count("top_logprobs", kMinTokenLogprobBytes));
    for (size_t k = 0; k < t.top_logprobs.size(); ++k) {
      WireReader::Field e(r, "top_logprobs", k);
      t.top_logprobs[k].token_id = r.zigzag("token_id");
      t.top_logprobs[k].logprob = r.f32("logprob");
    }
  }
  result.error = r.string("error");
}

}  // namespace llmc
