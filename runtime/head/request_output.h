// What the engine loop delivers for a request, once per step in which something happened to it.
//
// Transport-agnostic: the HTTP layer turns each RequestOutput into SSE chunks (or accumulates it for a
// non-streaming reply); offline generation accumulates it. The last output of a request has finished == true.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/comm/step_plan.h"
#include "runtime/head/finish_reason.h"

namespace llmc {

struct TokenLogprobs {
  int32_t token_id = 0;
  float logprob = 0.0f;
  std::vector<TokenLogprob> top;  // most likely first
};

// News of one output sequence (OpenAI `choices[index]`).
struct SequenceDelta {
  int32_t index = 0;                  // child index, 0 .. n-1
  std::vector<int32_t> token_ids;     // new tokens (a stop token is included, as in vLLM)
  std::string text;                   // new text; stop strings trimmed unless include_stop_str_in_output
  std::vector<TokenLogprobs> logprobs;  // one per new token when logprobs >= 0 was asked
  FinishReason finish_reason = FinishReason::kNone;
  // Monostate: none (EOS, length, abort); int32_t: the stop_token_ids entry; string: the matched stop string.
  std::variant<std::monostate, int32_t, std::string> stop_reason;
  int32_t num_output_tokens = 0;      // so far, counting these
};

struct RequestTimings {
  using Seconds = std::chrono::duration<double>;
  Seconds queue_time{0};          // arrival to first scheduled
  Seconds time_to_first_token{0};
  Seconds e2e_latency{0};         // arrival to finish
};

struct RequestOutput {
  RequestId id = 0;
  std::vector<SequenceDelta> sequences;  // only the sequences with news
  int32_t num_prompt_tokens = 0;
  int32_t num_cached_prompt_tokens = 0;  // served by the prefix cache (at first scheduling)
  bool finished = false;                 // every sequence has finished: nothing more will come
  std::string error;                     // why, when the sequences finished with "error"
  RequestTimings timings;                // filled on the last output
};

// Called on the engine loop thread; must not block (hand the output to a queue or an event loop). An exception
// thrown from it aborts that request.
using OutputCallback = std::function<void(RequestOutput)>;

}  // namespace llmc
