// Sampling parameters from a request body checked against the request field table, with vLLM/OpenAI field
// names. Shared by offline generation (one JSON object per input line) and the HTTP API, so both accept and
// reject exactly the same things.
#pragma once

#include "engine/core/generation_config.h"
#include "engine/sampling_params.h"
#include "runtime/head/request_schema.h"

namespace llmc {

// Model-specific defaults (generation_config.json) apply where the request leaves a field out, as in vLLM.
// Types and ranges were checked by CheckedBody; the engine's configuration-dependent limits (max_logprobs,
// min_tokens <= max_tokens, the context length) are validate_request's job.
SamplingParams read_sampling_params(const CheckedBody& body, const GenerationConfig& defaults);

}  // namespace llmc
