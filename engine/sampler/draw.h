// The random half of sampling: temperature, min_p, top_k, top_p and one draw, on penalised logits.
#pragma once

#include <cstdint>
#include <span>

#include "engine/sampling_params.h"

namespace llmc {

// Picks a token with probability proportional to exp((logit - max) / temperature) over the tokens that
// survive min_p, then top_k, then top_p, using `u` in [0, 1) as the only randomness (inverse CDF). Requires
// temperature > 0, no NaN or +inf logits, and at least one finite logit (the sampler checks all three).
int32_t draw_token(std::span<const float> logits, const SamplingParams& params, double u);

}  // namespace llmc
