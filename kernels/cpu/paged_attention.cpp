#include "kernels/cpu/paged_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace llmc::kernels::cpu {
namespace {

inline float dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// One (query token, head) pair: scores over its visible keys, softmax, weighted sum of values.
void attend_one(const PagedAttentionArgs& a, int64_t seq, int64_t token, int64_t position, int64_t head,
                std::vector<float>& scores) {
  const int64_t kv_head = head / (a.q_heads / a.kv_heads);
  const int64_t first_key = a.sliding_window > 0 ? std::max<int64_t>(0, position - a.sliding_window + 1) : 0;
  const int64_t num_keys = position + 1 - first_key;
  const int32_t* table = a.block_tables + seq * a.max_blocks_per_seq;
  const float* q = a.q + (token * a.q_heads + head) * a.head_dim;
  const int64_t row_stride = a.kv_heads * a.head_dim;
  scores.resize(num_keys);

  float max_score = -INFINITY;
  for (int64_t j = 0; j < num_keys; ++j) {
    const int64_t p = first_key + j;
    const int64_t slot = static_cast<int64_t>(table[p / a.block_size]) * a.block_size + p % a.block_size;
    const float s = dot(q, a.k_cache + slot * row_stride + kv_head * a.head_dim, a.head_dim) * a.scale;
    scores[j] = s;
    max_score = std::max(max_score, s);
  }
  float denom = 0.0f;
  for (int64_t j = 0; j < num_keys; ++j) {
    scores[j] = std::exp(scores[j] - max_score);
    denom += scores[j];
  }
  float* out = a.out + (token * a.q_heads + head) * a.head_dim;
  std::memset(out, 0, sizeof(float) * a.head_dim);
  for (int64_t j = 0; j < num_keys; ++j) {
    const int64_t p = first_key + j;
    const int64_t slot = static_cast<int64_t>(table[p / a.block_size]) * a.block_size + p % a.block_size;
    const float* v = a.v_cache + slot * row_stride + kv_head * a.head_dim;
    const float w = scores[j] / denom;
    for (int64_t i = 0; i < a.head_dim; ++i) out[i] += w * v[i];
  }
}

}  // namespace

void paged_attention(const PagedAttentionArgs& a) {
  const int64_t total_tokens = a.query_start[a.num_seqs];
  // Map every token to its sequence once, so the parallel loop below is flat over (token, head).
  std::vector<int32_t> seq_of_token(total_tokens);
  for (int64_t s = 0; s < a.num_seqs; ++s) {
    for (int32_t t = a.query_start[s]; t < a.query_start[s + 1]; ++t) seq_of_token[t] = static_cast<int32_t>(s);
  }
  const int64_t work = total_tokens * a.q_heads;
#pragma omp parallel
  {
    std::vector<float> scores;
#pragma omp for schedule(dynamic, 4)
    for (int64_t item = 0; item < work; ++item) {
      const int64_t token = item / a.q_heads;
      const int64_t head = item % a.q_heads;
      const int64_t seq = seq_of_token[token];
      const int64_t q_len = a.query_start[seq + 1] - a.query_start[seq];
      const int64_t position = a.context_lens[seq] - q_len + (token - a.query_start[seq]);
      attend_one(a, seq, token, position, head, scores);
    }
  }
}

void store_kv(const float* k, const float* v, const int64_t* slot_mapping, int64_t tokens, int64_t kv_heads,
              int64_t head_dim, float* k_cache, float* v_cache) {
  const int64_t row = kv_heads * head_dim;
  for (int64_t t = 0; t < tokens; ++t) {
    const int64_t slot = slot_mapping[t];
    if (slot < 0) continue;
    std::memcpy(k_cache + slot * row, k + t * row, sizeof(float) * row);
    std::memcpy(v_cache + slot * row, v + t * row, sizeof(float) * row);
  }
}

}  // namespace llmc::kernels::cpu
