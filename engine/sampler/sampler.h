// Token sampling on the last pipeline stage: one row of gathered logits [vocab] in, one token (and its
// logprobs) out. Semantics follow vLLM, so outputs match what users of the OpenAI API expect:
//
//   raw logits -> token mask of constrained decoding (disallowed tokens to -inf), when the row has one
//     --(logprobs are taken here: log_softmax of the model's output, vLLM's default)
//     -> repetition penalty (prompt and output tokens: logit > 0 divides, else multiplies)
//     -> frequency / presence penalties (output tokens: logit -= freq * count + presence * (count > 0))
//     -> temperature 0: argmax, ties to the lowest id (top_k == 1 is the same)
//     -> else temperature -> min_p (relative to the most likely token) -> top_k -> top_p (smallest set whose
//        renormalised mass reaches top_p, at least one token) -> one draw.
//
// The draw uses a counter-based generator keyed by (params.seed, step = output_ids.size()), so every rank
// that samples and a request resumed after preemption picks the same token. Without top_k/top_p nothing is
// sorted: the cost is a few passes over the vocabulary. Called by the worker loop; the head calls validate()
// when a request arrives.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/sampling_params.h"

namespace llmc {

// Logprobs are clamped here, as the OpenAI API does, so that -inf (a masked token) never reaches JSON.
inline constexpr float kMinLogprob = -9999.0f;

struct SamplerInput {
  std::span<float> logits;  // [vocab]; penalties are applied in place, so the caller must not reuse it
  std::span<const int32_t> prompt_ids;
  std::span<const int32_t> output_ids;  // tokens generated so far; its size is the step number
  const SamplingParams* params = nullptr;
  // Constrained decoding (engine/grammar): empty, or (logits.size() + 31) / 32 words whose bit i (word i / 32,
  // bit i % 32) says token i may be sampled. Disallowed logits become -inf before anything else, so logprobs,
  // penalties and the draw all see the masked row (as vLLM applies its grammar bitmask before sampling).
  std::span<const uint32_t> allowed;
};

struct SampleOutput {
  int32_t token_id = -1;
  // The chosen token's log-probability under the raw logits; only computed when params->logprobs >= 0 (else
  // 0).
  float logprob = 0.0f;
  // The params->logprobs most likely tokens under the raw logits, most likely first (ties: lower id first).
  std::vector<std::pair<int32_t, float>> top_logprobs;
};

// Throws llmc::Error saying which parameter is out of range, its value and the valid range.
void validate(const SamplingParams& params, int vocab_size);

// Throws llmc::Error for invalid params (validate()), token ids outside the vocabulary, a NaN or +inf logit,
// a row whose logits are all -inf (also after its token mask), or a mask of the wrong size.
SampleOutput sample(const SamplerInput& input);

// Samples every row; large batches are spread over up to `max_threads` threads (0: the hardware's count,
// at most 8). Row i's result equals sample(rows[i]). The first failing row's error is rethrown, prefixed
// with its index.
std::vector<SampleOutput> sample_batch(std::span<const SamplerInput> rows, int max_threads = 0);

}  // namespace llmc
