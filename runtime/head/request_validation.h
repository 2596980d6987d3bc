// Submit-time checks of a GenerationRequest: bad parameters, and requests that could never run (longer than
// max_model_len, or needing more KV blocks than the whole cache holds).
#pragma once

#include <cstdint>

#include "runtime/head/engine_config.h"
#include "runtime/head/generation_request.h"

namespace llmc {

// Throws SubmitError(kInvalidRequest) with a message naming the field, its value and the limit.
void validate_request(const GenerationRequest& request, const EngineConfig& config, bool can_detokenize,
                      int32_t num_blocks);

}  // namespace llmc
