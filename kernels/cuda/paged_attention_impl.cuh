// Internal to paged attention: the parameters every attention kernel takes and the launchers of the decode
// (paged_attention_decode.cu), prefill (paged_attention_prefill.cu) and merge (paged_attention.cu) passes.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda::detail {

struct AttentionParams {
  const void* q;                 // [tokens, q_heads, head_dim]
  const void* k_cache;           // [num_blocks, block_size, kv_heads, head_dim]
  const void* v_cache;           // same layout
  const int32_t* query_start;    // [num_seqs + 1]
  const int32_t* context_lens;   // [num_seqs]
  const int32_t* block_tables;   // [num_seqs, max_blocks_per_seq]
  int64_t max_blocks_per_seq;
  int num_seqs;
  int q_heads;
  int kv_heads;
  int group;                     // q_heads / kv_heads
  int block_shift;               // log2(block_size)
  int sliding_window;            // 0: full causal attention
  float scale_log2;              // softmax scale * log2(e): the kernels use exp2
  void* out;                     // [tokens, q_heads, head_dim]
  int num_splits;                // KV splits of each decode row
  float* part_out;               // [num_seqs, num_splits, q_heads, head_dim]: each split's normalized output
  float* part_ml;                // [num_seqs, num_splits, q_heads, 2]: its running max (log2 units) and sum
};

// q heads one decode CTA serves (GT): all of a kv head's group up to 8, so a K/V row is read once per group.
inline int decode_group_tile(int group) { return group <= 1 ? 1 : group <= 2 ? 2 : group <= 4 ? 4 : 8; }

// Sequences with exactly one query token (decodes); others are left to the prefill pass.
void launch_paged_decode(DType type, int head_dim, const AttentionParams& p, cudaStream_t stream);

// Sequences with two or more query tokens (prefill chunks). num_tokens bounds the grid.
void launch_paged_prefill(DType type, int head_dim, int64_t num_tokens, const AttentionParams& p,
                          cudaStream_t stream);

// The tensor-core prefill for bf16/f16 and head_dim <= 128; false (nothing launched) for other shapes, which
// the SIMT prefill serves.
bool launch_paged_prefill_mma(DType type, int head_dim, int64_t num_tokens, const AttentionParams& p,
                              cudaStream_t stream);

}  // namespace llmc::kernels::cuda::detail
