// One thread per logit of a masked row; the 32 threads of a warp read the same mask word (one broadcast load)
// and write 32 consecutive logits. Rows without a mask are not touched at all.
#include "kernels/cuda/token_mask.cuh"

#include <limits>

#include "kernels/cuda/cuda_check.h"

namespace llmc::kernels::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void apply_token_masks_kernel(float* logits, int64_t ld, int64_t vocab, const int32_t* mask_rows,
                                         const uint32_t* masks, int64_t words) {
  const int64_t k = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (i >= vocab) return;
  const uint32_t word = masks[k * words + (i >> 5)];
  if ((word >> (i & 31)) & 1u) return;
  float* x = logits + static_cast<int64_t>(mask_rows[k]) * ld + i;
  const float v = *x;
  if (v < std::numeric_limits<float>::infinity()) *x = -std::numeric_limits<float>::infinity();  // NaN, +inf stay
}

}  // namespace

void apply_token_masks(float* logits, int64_t ld, int64_t vocab, const int32_t* mask_rows, const uint32_t* masks,
                       int64_t words, int64_t num_masked, cudaStream_t stream) {
  LLMC_CHECK(vocab > 0 && ld >= vocab && words * 32 >= vocab && num_masked >= 0)
      << "apply_token_masks: bad sizes vocab=" << vocab << " ld=" << ld << " words=" << words
      << " num_masked=" << num_masked;
  if (num_masked == 0) return;
  LLMC_CHECK(num_masked <= 65535) << "apply_token_masks: " << num_masked << " masked rows exceed the grid limit";
  LLMC_CHECK(logits && mask_rows && masks) << "apply_token_masks: null pointer";
  const dim3 grid(static_cast<unsigned>((vocab + kThreads - 1) / kThreads), static_cast<unsigned>(num_masked));
  apply_token_masks_kernel<<<grid, kThreads, 0, stream>>>(logits, ld, vocab, mask_rows, masks, words);
  LLMC_CUDA_CHECK_LAUNCH("apply_token_masks");
}

}  // namespace llmc::kernels::cuda
