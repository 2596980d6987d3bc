// What a caller (HTTP handler, offline generate) submits, and how a submit can be refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/check.h"
#include "engine/sampling_params.h"

namespace llmc {

struct GenerationRequest {
  std::vector<int32_t> prompt_token_ids;  // already tokenized, chat template applied
  SamplingParams sampling;                // the seed is drawn by the engine unless sampling.user_seeded
  int32_t priority = 0;                   // lower runs first; must be 0 under the FCFS policy
  bool detokenize = true;                 // false: token ids only (no text, no stop strings)
  bool skip_special_tokens = true;        // passed to the TextStreamFactory
};

// Thrown by EngineLoop::submit. kind() lets the HTTP layer pick the status (400 / 503 / 500).
class SubmitError : public Error {
 public:
  enum class Kind {
    kInvalidRequest,  // bad parameters, or the request can never fit (max_model_len, KV cache size)
    kOverloaded,      // max_num_queued_requests / max_num_queued_tokens reached: retry later
    kEngineDead,      // the engine failed; nothing will run
  };
  SubmitError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace llmc
