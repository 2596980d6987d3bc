// Constrained decoding's token masks on the device: for each masked row, logits whose bit is clear become
// -inf before sampling (sample_rows then sees the masked row, as the CPU sampler does). NaN and +inf logits
// are left as they are, so sample_rows still reports the model's fault even under a mask.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace llmc::kernels::cuda {

// Applies masks to some rows of a logits matrix, enqueued on `stream`.
//   logits     [rows, ld] f32, device; columns [0, vocab) are the vocabulary
//   mask_rows  [num_masked] i32, device: the logits row each mask applies to (distinct, in [0, rows))
//   masks      [num_masked, words] u32, device: bit i of row k (word i / 32, bit i % 32) allows token i;
//              words >= (vocab + 31) / 32
void apply_token_masks(float* logits, int64_t ld, int64_t vocab, const int32_t* mask_rows, const uint32_t* masks,
                       int64_t words, int64_t num_masked, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
