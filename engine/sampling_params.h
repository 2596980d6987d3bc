// What a request asks of the sampler and of the stop checks. The head fills it from the API request; the
// worker-relevant part travels in the step plan. Defaults follow vLLM/OpenAI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/grammar/constraint.h"

namespace llmc {

struct SamplingParams {
  // Sampling (applied on the last pipeline stage).
  float temperature = 1.0f;  // 0 means greedy.
  float top_p = 1.0f;        // (0, 1]; 1 disables.
  int32_t top_k = 0;         // 0 or -1 disables.
  float min_p = 0.0f;        // [0, 1]; 0 disables.
  float repetition_penalty = 1.0f;  // > 0; 1 disables. Applies to prompt and output tokens (vLLM semantics).
  float presence_penalty = 0.0f;    // [-2, 2]; output tokens only.
  float frequency_penalty = 0.0f;   // [-2, 2]; output tokens only.
  // The head always assigns a seed (a random one when the user gave none) so every rank that samples, and a
  // request resumed after preemption, draws the same numbers: step i of a request uses (seed, i).
  uint64_t seed = 0;
  bool user_seeded = false;
  int32_t logprobs = -1;  // -1: none; N >= 0: the chosen token's logprob plus the N most likely alternatives.
  // Structured output (response_format, guided_*): the sampling worker masks every step's logits to the tokens
  // that keep the output inside it (engine/grammar). kind none: unconstrained.
  ConstraintSpec constraint;

  // Stop conditions (checked on the head).
  int32_t max_tokens = 16;
  int32_t min_tokens = 0;
  bool ignore_eos = false;
  std::vector<int32_t> stop_token_ids;
  std::vector<std::string> stop;
  bool include_stop_str_in_output = false;
  int32_t n = 1;

  bool greedy() const { return temperature <= 0.0f; }
};

}  // namespace llmc
