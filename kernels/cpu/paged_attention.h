// Causal attention over a paged KV cache (PagedAttention), for prefill chunks and decodes in one batch.
//
// A cache holds, per layer, [num_blocks, block_size, kv_heads, head_dim] floats; a sequence's token at
// position p lives in block block_table[p / block_size] at offset p % block_size. The query tokens of a
// sequence are its last `q_len` tokens, so query i sits at position context_len - q_len + i.
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

struct PagedAttentionArgs {
  const float* q = nullptr;         // [tokens, q_heads, head_dim]
  const float* k_cache = nullptr;   // [num_blocks, block_size, kv_heads, head_dim]
  const float* v_cache = nullptr;   // same layout as k_cache
  const int32_t* query_start = nullptr;   // [num_seqs + 1]: sequence s owns tokens [query_start[s], query_start[s+1])
  const int32_t* context_lens = nullptr;  // [num_seqs]: tokens in the cache for s, including this step's
  const int32_t* block_tables = nullptr;  // [num_seqs, max_blocks_per_seq]
  int64_t num_seqs = 0;
  int64_t max_blocks_per_seq = 0;
  int64_t q_heads = 0;
  int64_t kv_heads = 0;  // q_heads is a multiple of kv_heads (grouped-query attention)
  int64_t head_dim = 0;
  int64_t block_size = 0;
  float scale = 1.0f;          // usually 1/sqrt(head_dim)
  int64_t sliding_window = 0;  // 0: full causal attention; w: a query at p sees keys (p - w, p]
  float* out = nullptr;        // [tokens, q_heads, head_dim]
};

void paged_attention(const PagedAttentionArgs& args);

// Writes this step's keys and values into their cache slots. k, v: [tokens, kv_heads, head_dim];
// slot_mapping: [tokens], slot = block_id * block_size + offset; a negative slot skips the token.
void store_kv(const float* k, const float* v, const int64_t* slot_mapping, int64_t tokens, int64_t kv_heads,
              int64_t head_dim, float* k_cache, float* v_cache);

}  // namespace llmc::kernels::cpu
