// Why a sequence ended; the strings are the OpenAI API's finish_reason values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/sampling_params.h"

namespace llmc {

enum class FinishReason { kNone, kStop, kLength, kAbort, kError };

// "stop" | "length" | "abort" | "error"; "" for kNone.
const char* finish_reason_name(FinishReason reason);

struct TokenStop {
  FinishReason reason = FinishReason::kNone;
  std::optional<int32_t> stop_token_id;  // set when a stop_token_ids entry ended it (not for EOS, as vLLM)
};

// Token-level stop check for the token just appended (stop strings are checked on text by OutputProcessor).
// `num_output_tokens` counts that token. The first min_tokens output tokens never stop a sequence on EOS or
// stop_token_ids; EOS is ignored entirely with ignore_eos; max_tokens and max_model_len end it with "length".
TokenStop check_token_stop(const SamplingParams& sampling, std::span<const int32_t> eos_token_ids, int32_t token,
                           int32_t num_output_tokens, int32_t num_tokens, int32_t max_model_len);

}  // namespace llmc
