#include "runtime/head/finish_reason.h"

#include <algorithm>

namespace llmc {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kAbort: return "abort";
    case FinishReason::kError: return "error";
    case FinishReason::kNone: break;
  }
  return "";
}

TokenStop check_token_stop(const SamplingParams& sampling, std::span<const int32_t> eos_token_ids, int32_t token,
                           int32_t num_output_tokens, int32_t num_tokens, int32_t max_model_len) {
  TokenStop stop;
  if (num_output_tokens > sampling.min_tokens) {
    if (!sampling.ignore_eos && std::find(eos_token_ids.begin(), eos_token_ids.end(), token) != eos_token_ids.end()) {
      stop.reason = FinishReason::kStop;
      return stop;
    }
    const auto& ids = sampling.stop_token_ids;
    if (std::find(ids.begin(), ids.end(), token) != ids.end()) {
      stop.reason = FinishReason::kStop;
      stop.stop_token_id = token;
      return stop;
    }
  }
  if (num_output_tokens >= sampling.max_tokens || num_tokens >= max_model_len) stop.reason = FinishReason::kLength;
  return stop;
}

}  // namespace llmc
