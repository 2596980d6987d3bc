// Causal attention over the paged KV cache for a batch that mixes prefill chunks and decodes (PagedAttention).
//
// A sequence's token at position p lives in block block_tables[s][p / block_size] at offset p % block_size.
// The query tokens of sequence s are its last q_len = query_start[s+1] - query_start[s] tokens, so query i sits
// at position context_lens[s] - q_len + i and sees keys at positions (p - window, p] (window 0: [0, p]).
//
// Plan/run split (FlashInfer style): plan() runs on the host once per step from sizes the host knows and picks
// the kernel shape (decode rows split the KV range over several blocks when sequences are few and long, then a
// merge pass); run() launches for every layer with the same plan. Neither allocates: the split-KV partial
// results go to a workspace the caller sized with workspace_bytes() at startup.
#pragma once

#include <cstddef>

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

struct PagedAttentionShape {
  int64_t q_heads = 0;
  int64_t kv_heads = 0;   // q_heads is a multiple of kv_heads (grouped-query attention)
  int64_t head_dim = 0;   // 16, 32, 64, 128 or 256
  int64_t block_size = 0; // tokens per KV block: 8 to 256, a power of two
  DType type = DType::kBF16;  // of q, the caches and out
};

struct PagedAttentionPlan {
  int64_t num_tokens = 0;
  int64_t num_seqs = 0;
  int64_t max_query_len = 0;
  int64_t max_context_len = 0;
  int num_splits = 1;     // KV splits per decode row (1: no merge pass)
  bool decode_only = false;
};

// Bytes of workspace run() may use for up to max_tokens query tokens.
size_t paged_attention_workspace_bytes(const PagedAttentionShape& shape, int64_t max_tokens);

PagedAttentionPlan plan_paged_attention(const PagedAttentionShape& shape, int64_t num_tokens, int64_t num_seqs,
                                        int64_t max_query_len, int64_t max_context_len, int num_sms);

struct PagedAttentionArgs {
  const void* q = nullptr;             // [tokens, q_heads, head_dim]
  const void* k_cache = nullptr;       // [num_blocks, block_size, kv_heads, head_dim]
  const void* v_cache = nullptr;       // same layout
  const int32_t* query_start = nullptr;   // [num_seqs + 1]
  const int32_t* context_lens = nullptr;  // [num_seqs]: tokens in the cache after this step
  const int32_t* block_tables = nullptr;  // [num_seqs, max_blocks_per_seq]
  int64_t max_blocks_per_seq = 0;
  float scale = 1.0f;
  int64_t sliding_window = 0;
  void* out = nullptr;                 // [tokens, q_heads, head_dim]
  void* workspace = nullptr;           // paged_attention_workspace_bytes(shape, tokens) bytes, or null if no splits
};

void paged_attention(const PagedAttentionShape& shape, const PagedAttentionPlan& plan, const PagedAttentionArgs& args,
                     cudaStream_t stream);

}  // namespace llmc::kernels::cuda
