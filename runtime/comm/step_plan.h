// The per-step plan the head sends to every worker, and the result the last stage sends back.
//
// Plans carry ids and counts only (no host pointers), so they can be encoded and sent to other processes and
// nodes. A request travels in full the first time it is scheduled (and again when it resumes after preemption);
// after that only deltas travel. Workers keep a request's state from plan to plan and drop it when the request
// is listed in `finished_ids`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/sampling_params.h"

namespace llmc {

using RequestId = uint64_t;

// A request the workers have no state for: scheduled for the first time, or resumed after preemption.
struct NewRequestPlan {
  RequestId id = 0;
  // All tokens known so far: the prompt, then (after preemption) the tokens already generated.
  std::vector<int32_t> token_ids;
  int32_t num_prompt_tokens = 0;  // token_ids[0, num_prompt_tokens) is the prompt (penalties tell them apart).
  SamplingParams sampling;
  std::vector<int32_t> block_ids;     // the request's whole block table so far
  int32_t num_computed_tokens = 0;    // tokens already in the KV cache (prefix-cache hits)
  int32_t num_scheduled_tokens = 0;   // tokens to compute this step, starting at num_computed_tokens
};

// A request the workers already hold.
struct CachedRequestPlan {
  RequestId id = 0;
  std::vector<int32_t> new_token_ids;  // tokens sampled since the last plan that named it (stage 0 embeds them)
  std::vector<int32_t> new_block_ids;  // appended to its block table
  int32_t num_computed_tokens = 0;     // lets a worker check it agrees with the head
  int32_t num_scheduled_tokens = 0;
};

struct StepPlan {
  uint64_t step_id = 0;  // strictly increasing; a gap or repeat is a protocol error
  std::vector<NewRequestPlan> new_requests;
  std::vector<CachedRequestPlan> cached_requests;
  std::vector<RequestId> finished_ids;  // finished, aborted or preempted: drop their state
};

struct TokenLogprob {
  int32_t token_id = 0;
  float logprob = 0.0f;
};

// One sampled token. Only requests whose scheduled tokens reach the end of their known tokens sample.
struct SampledToken {
  RequestId id = 0;
  int32_t token_id = 0;
  float logprob = 0.0f;                  // of the chosen token (when logprobs were asked)
  std::vector<TokenLogprob> top_logprobs;  // most likely first (when logprobs > 0)
};

struct StepResult {
  uint64_t step_id = 0;
  std::vector<SampledToken> tokens;
  std::string error;  // non-empty: the step failed on a worker; the head fails the step's requests
};

}  // namespace llmc
