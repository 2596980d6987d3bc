// Sampling parameters from a JSON request body, with vLLM/OpenAI field names. Shared by offline generation
// (one JSON object per input line) and the HTTP API, so both accept and reject exactly the same things.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "engine/core/generation_config.h"
#include "engine/sampling_params.h"

namespace llmc {

// Model-specific defaults (generation_config.json) apply where the request leaves a field out, as in vLLM.
// Throws SubmitError(kInvalidRequest) naming the field (`where` prefixes it, e.g. "line 3") on a wrong type.
// Range checks are validate_request's job.
SamplingParams sampling_params_from_json(const nlohmann::json& body, const GenerationConfig& defaults,
                                         const std::string& where);

}  // namespace llmc
