// Paged attention against a plain attention computed here in double over each sequence's keys laid out
// contiguously: mixed prefill chunks and decodes, grouped-query heads, shuffled block tables, block sizes 1-32,
// and sliding windows (a query at p sees keys (p - w, p], as transformers masks Mistral/Qwen windows).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/cpu/paged_attention.h"

namespace llmc::kernels::cpu {
namespace {

struct Case {
  int64_t block_size, window;
};

class PagedAttention : public ::testing::TestWithParam<Case> {};

TEST_P(PagedAttention, MatchesContiguousAttentionInDouble) {
  const auto [block_size, window] = GetParam();
  const int64_t q_heads = 6, kv_heads = 2, head_dim = 19;
  // (context length, query tokens): a long prefill chunk, a first chunk, decodes, a one-token prompt.
  const std::vector<std::pair<int64_t, int64_t>> seqs = {{99, 37}, {19, 19}, {64, 1}, {1, 1}, {45, 1}};
  std::mt19937 rng(static_cast<uint32_t>(block_size * 131 + window));
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);

  const int64_t max_blocks = (99 + block_size - 1) / block_size;
  const int64_t num_blocks = max_blocks * static_cast<int64_t>(seqs.size()) + 3;
  std::vector<int32_t> free_blocks(static_cast<size_t>(num_blocks));
  std::iota(free_blocks.begin(), free_blocks.end(), 0);
  std::shuffle(free_blocks.begin(), free_blocks.end(), rng);  // blocks scattered across the cache

  const int64_t row = kv_heads * head_dim;
  std::vector<float> k_cache(static_cast<size_t>(num_blocks * block_size * row), NAN);
  std::vector<float> v_cache(k_cache.size(), NAN);
  std::vector<int32_t> tables(seqs.size() * static_cast<size_t>(max_blocks), -1);
  std::vector<int32_t> query_start{0}, context_lens;
  std::vector<std::vector<float>> keys(seqs.size()), values(seqs.size());  // contiguous, for the reference
  size_t next_free = 0;
  for (size_t s = 0; s < seqs.size(); ++s) {
    const auto [ctx, q_len] = seqs[s];
    for (int64_t b = 0; b * block_size < ctx; ++b) tables[s * max_blocks + b] = free_blocks[next_free++];
    keys[s].resize(static_cast<size_t>(ctx * row));
    values[s].resize(keys[s].size());
    for (auto* v : {&keys[s], &values[s]}) for (float& x : *v) x = d(rng);
    // Write through store_kv with a slot mapping, as the model does.
    std::vector<int64_t> slots(static_cast<size_t>(ctx));
    for (int64_t p = 0; p < ctx; ++p) slots[p] = int64_t{tables[s * max_blocks + p / block_size]} * block_size + p % block_size;
    store_kv(keys[s].data(), values[s].data(), slots.data(), ctx, kv_heads, head_dim, k_cache.data(), v_cache.data());
    query_start.push_back(query_start.back() + static_cast<int32_t>(q_len));
    context_lens.push_back(static_cast<int32_t>(ctx));
  }
  const int64_t tokens = query_start.back();
  std::vector<float> q(static_cast<size_t>(tokens * q_heads * head_dim));
  for (float& x : q) x = d(rng);
  std::vector<float> out(q.size(), NAN);

  PagedAttentionArgs a;
  a.q = q.data();
  a.k_cache = k_cache.data();
  a.v_cache = v_cache.data();
  a.query_start = query_start.data();
  a.context_lens = context_lens.data();
  a.block_tables = tables.data();
  a.num_seqs = static_cast<int64_t>(seqs.size());
  a.max_blocks_per_seq = max_blocks;
  a.q_heads = q_heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  a.block_size = block_size;
  a.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  a.sliding_window = window;
  a.out = out.data();
  paged_attention(a);

  for (size_t s = 0; s < seqs.size(); ++s) {
    const auto [ctx, q_len] = seqs[s];
    for (int64_t i = 0; i < q_len; ++i) {
      const int64_t token = query_start[s] + i, pos = ctx - q_len + i;
      const int64_t first = window > 0 ? std::max<int64_t>(0, pos - window + 1) : 0;
      for (int64_t h = 0; h < q_heads; ++h) {
        const int64_t kvh = h / (q_heads / kv_heads);
        const float* qv = &q[(token * q_heads + h) * head_dim];
        std::vector<double> w;
        double max_s = -INFINITY;
        for (int64_t p = first; p <= pos; ++p) {
          double dot = 0;
          for (int64_t c = 0; c < head_dim; ++c) dot += double{qv[c]} * keys[s][p * row + kvh * head_dim + c];
          w.push_back(dot / std::sqrt(static_cast<double>(head_dim)));
          max_s = std::max(max_s, w.back());
        }
        double denom = 0;
        for (double& x : w) denom += (x = std::exp(x - max_s));
        for (int64_t c = 0; c < head_dim; ++c) {
          double ref = 0;
          for (int64_t p = first; p <= pos; ++p) ref += w[p - first] / denom * values[s][p * row + kvh * head_dim + c];
          ASSERT_NEAR(out[(token * q_heads + h) * head_dim + c], ref, 2e-5)
              << "seq " << s << ", query position " << pos << ", head " << h << ", dim " << c;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BlockSizesAndWindows, PagedAttention,
                         ::testing::Values(Case{1, 0}, Case{4, 0}, Case{16, 0}, Case{32, 0}, Case{16, 1}, Case{4, 5},
                                           Case{16, 33}, Case{8, 64}, Case{32, 1000}),
                         [](const auto& info) {
                           return "block" + std::to_string(info.param.block_size) + "_window" +
                                  std::to_string(info.param.window);
                         });

}  // namespace
}  // namespace llmc::kernels::cpu
