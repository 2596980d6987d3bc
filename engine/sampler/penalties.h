// Repetition, frequency and presence penalties (vLLM semantics), applied to logits in place.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/sampling_params.h"

namespace llmc {

// repetition_penalty r on every token in the prompt or the output: logit > 0 ? logit / r : logit * r; then on
// output tokens, logit -= frequency_penalty * count + presence_penalty * (count > 0). Returns the original
// logits of the tokens it changed (id, logit), so raw logprobs can still be reported. Throws llmc::Error for
// a token id outside [0, logits.size()). Cost: O(prompt + output), independent of the vocabulary.
std::vector<std::pair<int32_t, float>> apply_penalties(std::span<float> logits,
                                                       std::span<const int32_t> prompt_ids,
                                                       std::span<const int32_t> output_ids,
                                                       const SamplingParams& params);

// True when apply_penalties would change nothing.
bool penalties_disabled(const SamplingParams& params);

}  // namespace llmc
