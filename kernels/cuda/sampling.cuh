// Token sampling on the device: rows of f32 logits in, one token per row (and requested logprobs) out, with
// the semantics of the CPU sampler (engine/sampler/sampler.h), so only ids and logprobs cross to the host:
//
//   raw logits --(logprobs: log_softmax of the raw logits; top-N most likely first, ties lower id first)
//     -> repetition penalty (prompt and output tokens: logit > 0 divides, else multiplies)
//     -> frequency / presence penalties (output tokens)
//     -> temperature <= 0 or top_k == 1: argmax, ties to the lowest id
//     -> else temperature -> min_p -> top_k -> top_p -> one draw with u = counter_uniform(seed, step).
//
// Agreement with the CPU sampler: greedy tokens, penalties, weights (the same clamped polynomial exp, no FMA
// contraction) and the draw order are the CPU's, so the same (seed, step) picks the same token except when u
// falls within ~1e-12 of a CDF boundary (sums are taken in another order here; masses inside top_k/top_p are
// 2^-44 fixed point). Logprobs agree to ~1e-6. One documented difference: with top_p < 1 and no active top_k
// (top_k <= 0, or top_k >= vocab, which disables it), with or without min_p, the CPU walks its kept set in an
// order left by its quickselect; here the walk is in rank order (most likely first, as the CPU's top_k path
// walks), so the kept set and distribution are the same but a given u may pick another token.
// min_p's log is taken in double and rounded, where the CPU calls logf (they can differ by 1 ulp).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace llmc::kernels::cuda {

// One row's sampling parameters, already validated by llmc::validate() (engine/sampler). Device memory.
struct DeviceSamplingRow {
  float temperature = 1.0f;  // <= 0: greedy
  float top_p = 1.0f;        // (0, 1]; 1 disables
  float min_p = 0.0f;        // [0, 1]; 0 disables
  float repetition_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int32_t top_k = 0;         // 0 or -1 disables
  int32_t num_logprobs = -1;  // -1: none; N >= 0: the chosen token's logprob plus the N most likely (N <= max_top)
  uint64_t seed = 0;
  uint64_t step = 0;  // number of output tokens so far (the CPU's output_ids.size())
  // Ranges into the packed token-id array. The repetition penalty reads the prompt, every penalty reads the
  // output; ids in a given range are checked against the vocabulary even when no penalty is active (as the
  // CPU sampler checks them), so pass empty ranges where the ids are not needed.
  int32_t prompt_begin = 0;
  int32_t prompt_count = 0;
  int32_t output_begin = 0;
  int32_t output_count = 0;
};

// out_error codes; the caller turns a non-zero one into an llmc::Error naming the row.
enum SamplingError : int32_t {
  kSamplingOk = 0,
  kSamplingNonFiniteLogit = 1,  // a NaN or +inf logit: the model went wrong
  kSamplingAllMasked = 2,       // every logit is -inf (before or after penalties): nothing to sample
  kSamplingBadTokenId = 3,      // a prompt or output id outside [0, vocab)
  kSamplingBadLogprobs = 4,     // num_logprobs > max_top or > vocab
};
const char* sampling_error_message(int32_t code);

// Upper bound on max_top (OpenAI allows 20 alternatives; the gather lives in shared memory).
inline constexpr int kMaxTopLogprobs = 64;
// Vocabularies up to 2^19 (probability masses are 2^-44 fixed point summed in 64 bits).
inline constexpr int64_t kMaxSamplingVocab = int64_t{1} << 19;

// Device scratch for sample_rows over up to max_rows rows: per row a [vocab] count table and a [vocab] copy of
// penalised tokens' raw logits (rows with penalties), and [vocab / 64] block sums. Contents need no
// initialisation and are not kept between calls, so the memory may be shared with other work on the stream.
size_t sampling_workspace_bytes(int64_t max_rows, int64_t vocab);

// Samples every row, one CTA per row, enqueued on `stream`; nothing synchronises.
//   logits            [rows, vocab] f32, row stride ld (>= vocab). Modified in place: penalties are applied to
//                     it, so the caller must not reuse it.
//   params            [rows] device
//   token_ids         packed prompt/output ids the rows' ranges point into; device; may be null when every
//                     range is empty
//   out_token         [rows] i32; -1 where out_error is non-zero
//   out_logprob       [rows] f32; the chosen token's raw logprob (clamped at -9999), 0 when num_logprobs < 0
//   out_top_ids       [rows, max_top] i32; the first num_logprobs entries most likely first, the rest -1
//   out_top_logprobs  [rows, max_top] f32; matching logprobs, the rest 0 (both may be null when max_top == 0)
//   out_error         [rows] i32 SamplingError
//   workspace         sampling_workspace_bytes(rows, vocab) bytes of device memory, 256-byte aligned
void sample_rows(float* logits, int64_t ld, int64_t rows, int64_t vocab, const DeviceSamplingRow* params,
                 const int32_t* token_ids, int32_t* out_token, float* out_logprob, int32_t* out_top_ids,
                 float* out_top_logprobs, int max_top, int32_t* out_error, void* workspace, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
