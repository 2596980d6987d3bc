// Field-by-field comparison of plans and results, written independently of the codec. Floats are compared
// by bit pattern, so NaN payloads and -0.0 must survive a round trip.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>

#include "runtime/comm/step_plan.h"

namespace llmc::test {

inline uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }

inline void expect_same(const SamplingParams& a, const SamplingParams& b, const std::string& where) {
  EXPECT_EQ(bits(a.temperature), bits(b.temperature)) << where;
  EXPECT_EQ(bits(a.top_p), bits(b.top_p)) << where;
  EXPECT_EQ(a.top_k, b.top_k) << where;
  EXPECT_EQ(bits(a.min_p), bits(b.min_p)) << where;
  EXPECT_EQ(bits(a.repetition_penalty), bits(b.repetition_penalty)) << where;
  EXPECT_EQ(bits(a.presence_penalty), bits(b.presence_penalty)) << where;
  EXPECT_EQ(bits(a.frequency_penalty), bits(b.frequency_penalty)) << where;
  EXPECT_EQ(a.seed, b.seed) << where;
  EXPECT_EQ(a.user_seeded, b.user_seeded) << where;
  EXPECT_EQ(a.logprobs, b.logprobs) << where;
  EXPECT_EQ(a.max_tokens, b.max_tokens) << where;
  EXPECT_EQ(a.min_tokens, b.min_tokens) << where;
  EXPECT_EQ(a.ignore_eos, b.ignore_eos) << where;
  EXPECT_EQ(a.stop_token_ids, b.stop_token_ids) << where;
  EXPECT_EQ(a.stop, b.stop) << where;
  EXPECT_EQ(a.include_stop_str_in_output, b.include_stop_str_in_output) << where;
  EXPECT_EQ(a.n, b.n) << where;
  EXPECT_EQ(a.constraint.kind, b.constraint.kind) << where;
  EXPECT_EQ(a.constraint.text, b.constraint.text) << where;
  EXPECT_EQ(a.constraint.strict, b.constraint.strict) << where;
}

inline void expect_same(const StepPlan& a, const StepPlan& b) {
  EXPECT_EQ(a.step_id, b.step_id);
  ASSERT_EQ(a.new_requests.size(), b.new_requests.size());
  for (size_t i = 0; i < a.new_requests.size(); ++i) {
    const NewRequestPlan& x = a.new_requests[i];
    const NewRequestPlan& y = b.new_requests[i];
    const std::string where = "new_requests[" + std::to_string(i) + "]";
    EXPECT_EQ(x.id, y.id) << where;
    EXPECT_EQ(x.token_ids, y.token_ids) << where;
    EXPECT_EQ(x.num_prompt_tokens, y.num_prompt_tokens) << where;
    expect_same(x.sampling, y.sampling, where);
    EXPECT_EQ(x.block_ids, y.block_ids) << where;
    EXPECT_EQ(x.num_computed_tokens, y.num_computed_tokens) << where;
    EXPECT_EQ(x.num_scheduled_tokens, y.num_scheduled_tokens) << where;
  }
  ASSERT_EQ(a.cached_requests.size(), b.cached_requests.size());
  for (size_t i = 0; i < a.cached_requests.size(); ++i) {
    const CachedRequestPlan& x = a.cached_requests[i];
    const CachedRequestPlan& y = b.cached_requests[i];
    const std::string where = "cached_requests[" + std::to_string(i) + "]";
    EXPECT_EQ(x.id, y.id) << where;
    EXPECT_EQ(x.new_token_ids, y.new_token_ids) << where;
    EXPECT_EQ(x.new_block_ids, y.new_block_ids) << where;
    EXPECT_EQ(x.num_computed_tokens, y.num_computed_tokens) << where;
    EXPECT_EQ(x.num_scheduled_tokens, y.num_scheduled_tokens) << where;
  }
  EXPECT_EQ(a.finished_ids, b.finished_ids);
}

inline void expect_same(const StepResult& a, const StepResult& b) {
  EXPECT_EQ(a.step_id, b.step_id);
  ASSERT_EQ(a.tokens.size(), b.tokens.size());
  for (size_t i = 0; i < a.tokens.size(); ++i) {
    const SampledToken& x = a.tokens[i];
    const SampledToken& y = b.tokens[i];
    EXPECT_EQ(x.id, y.id) << "tokens[" << i << "]";
    EXPECT_EQ(x.token_id, y.token_id) << "tokens[" << i << "]";
    EXPECT_EQ(bits(x.logprob), bits(y.logprob)) << "tokens[" << i << "]";
    ASSERT_EQ(x.top_logprobs.size(), y.top_logprobs.size()) << "tokens[" << i << "]";
    for (size_t k = 0; k < x.top_logprobs.size(); ++k) {
      EXPECT_EQ(x.top_logprobs[k].token_id, y.top_logprobs[k].token_id) << "tokens[" << i << "][" << k << "]";
      EXPECT_EQ(bits(x.top_logprobs[k].logprob), bits(y.top_logprobs[k].logprob)) << "tokens[" << i << "]";
    }
  }
  EXPECT_EQ(a.error, b.error);
}

}  // namespace llmc::test
