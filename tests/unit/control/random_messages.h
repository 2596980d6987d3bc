// Random plans and results for the codec tests: awkward values (extremes, NaN payloads, -0.0, empty and
// large vectors, arbitrary bytes in stop strings) mixed with ordinary ones.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "runtime/comm/step_plan.h"

namespace llmc::test {

class RandomMessages {
 public:
  explicit RandomMessages(uint64_t seed) : rng_(seed) {}

  // Mostly small, sometimes empty, now and then large.
  size_t length(size_t large = 3000) {
    const int pick = uniform(0, 19);
    if (pick == 0) return 0;
    if (pick == 1) return static_cast<size_t>(uniform(static_cast<int>(large / 4), static_cast<int>(large)));
    return static_cast<size_t>(uniform(1, 12));
  }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint64_t u64() { return rng_(); }
  // Typical ids and counts, with the extremes mixed in.
  int32_t i32() {
    switch (uniform(0, 9)) {
      case 0:
        return std::numeric_limits<int32_t>::min();
      case 1:
        return std::numeric_limits<int32_t>::max();
      case 2:
        return -uniform(1, 1000);
      case 3:
        return static_cast<int32_t>(static_cast<uint32_t>(rng_()));
      default:
        return uniform(0, 200000);
    }
  }
  uint64_t id() { return uniform(0, 4) == 0 ? rng_() : static_cast<uint64_t>(uniform(0, 100000)); }
  float f32() {
    switch (uniform(0, 9)) {
      case 0:
        return std::numeric_limits<float>::quiet_NaN();
      case 1:
        return std::bit_cast<float>(0x7fa00001u);  // a NaN with a payload
      case 2:
        return -std::numeric_limits<float>::infinity();
      case 3:
        return -0.0f;
      case 4:
        return std::numeric_limits<float>::denorm_min();
      default:
        return std::uniform_real_distribution<float>(-50.0f, 50.0f)(rng_);
    }
  }
  std::string text() {
    std::string s(length(300), '\0');
    for (char& c : s) c = static_cast<char>(uniform(0, 255));
    return s;
  }
  std::vector<int32_t> ints(size_t large = 3000) {
    std::vector<int32_t> v(length(large));
    for (int32_t& x : v) x = i32();
    return v;
  }

  SamplingParams sampling() {
    SamplingParams s;
    s.temperature = f32();
    s.top_p = f32();
    s.top_k = i32();
    s.min_p = f32();
    s.repetition_penalty = f32();
    s.presence_penalty = f32();
    s.frequency_penalty = f32();
    s.seed = rng_();
    s.user_seeded = uniform(0, 1) == 1;
    s.logprobs = i32();
    s.max_tokens = i32();
    s.min_tokens = i32();
    s.ignore_eos = uniform(0, 1) == 1;
    s.stop_token_ids = ints(50);
    s.stop.resize(length(20));
    for (std::string& stop : s.stop) stop = text();
    s.include_stop_str_in_output = uniform(0, 1) == 1;
    s.n = i32();
    s.constraint.kind = static_cast<ConstraintKind>(uniform(0, 5));
    if (s.constraint.active()) {  // the codec carries text and strict only for an active constraint
      s.constraint.text = text();
      s.constraint.strict = uniform(0, 1) == 1;
    }
    return s;
  }

  StepPlan plan(uint64_t step_id) {
    StepPlan p;
    p.step_id = step_id;
    p.new_requests.resize(length(40));
    for (NewRequestPlan& n : p.new_requests) {
      n.id = id();
      n.token_ids = ints();
      n.num_prompt_tokens = i32();
      n.sampling = sampling();
      n.block_ids = ints(500);
      n.num_computed_tokens = i32();
      n.num_scheduled_tokens = i32();
    }
    p.cached_requests.resize(length(300));
    for (CachedRequestPlan& c : p.cached_requests) {
      c.id = id();
      c.new_token_ids = ints(20);
      c.new_block_ids = ints(20);
      c.num_computed_tokens = i32();
      c.num_scheduled_tokens = i32();
    }
    p.finished_ids.resize(length(200));
    for (RequestId& f : p.finished_ids) f = id();
    return p;
  }

  StepResult result(uint64_t step_id) {
    StepResult r;
    r.step_id = step_id;
    r.tokens.resize(length(300));
    for (SampledToken& t : r.tokens) {
      t.id = id();
      t.token_id = i32();
      t.logprob = f32();
      t.top_logprobs.resize(length(20));
      for (TokenLogprob& top : t.top_logprobs) top = {i32(), f32()};
    }
    if (uniform(0, 3) == 0) r.error = text();
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace llmc::test
