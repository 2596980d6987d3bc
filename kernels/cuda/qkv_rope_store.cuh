// The step between the fused q/k/v projection and attention, in one pass: split the packed projection, apply
// the per-head q/k RMSNorm where the model has one (Qwen3), rotate q and k ("rotate half" RoPE with a float32
// cos/sin table), write q out contiguously and k, v into their paged-cache slots.
#pragma once

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

struct QkvRopeStoreArgs {
  const void* qkv = nullptr;            // [tokens, (q_heads + 2 * kv_heads) * head_dim]: q heads, k heads, v heads
  const int32_t* positions = nullptr;   // [tokens]
  const float* cos_sin = nullptr;       // [max_positions, head_dim]: row p = cos(p * f_i) (D/2), then sin(p * f_i)
  const void* q_norm = nullptr;         // [head_dim] or null (no q/k norm)
  const void* k_norm = nullptr;         // [head_dim] or null
  float eps = 1e-6f;
  const int64_t* slot_mapping = nullptr;  // [tokens]: block * block_size + offset; negative skips the token
  void* q_out = nullptr;                // [tokens, q_heads, head_dim]
  void* k_cache = nullptr;              // [num_blocks, block_size, kv_heads, head_dim]
  void* v_cache = nullptr;              // same layout
  int64_t tokens = 0;
  int64_t q_heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;                 // even; 16 to 256
  DType type = DType::kBF16;            // of qkv, norms, q_out and the caches
};

void qkv_rope_store(const QkvRopeStoreArgs& args, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
