// One forward pass's inputs on the host, built by the worker from the step plan: every scheduled token of
// every sequence, flattened, plus where each reads and writes the paged KV cache.
#pragma once

#include <cstdint>
#include <vector>

namespace llmc {

struct ForwardBatch {
  std::vector<int32_t> token_ids;     // [T] (stage 0 embeds them; later stages receive hidden states)
  std::vector<int32_t> positions;     // [T]
  std::vector<int64_t> slot_mapping;  // [T]: block_id * block_size + offset
  std::vector<int32_t> query_start;   // [S + 1]
  std::vector<int32_t> context_lens;  // [S]: tokens in the cache after this step
  std::vector<int32_t> block_tables;  // [S, max_blocks_per_seq], padded with 0
  int64_t max_blocks_per_seq = 0;
  std::vector<int32_t> logits_indices;  // token rows whose logits the last stage returns, in output order

  int64_t num_tokens() const { return static_cast<int64_t>(positions.size()); }
  int64_t num_seqs() const { return static_cast<int64_t>(context_lens.size()); }
};

// Appends one sequence: `tokens` at positions [start, start + tokens.size()), whose cache blocks are
// `block_table`; `wants_logits` adds its last token to logits_indices. Callers then call finish().
class ForwardBatchBuilder {
 public:
  explicit ForwardBatchBuilder(int64_t block_size) : block_size_(block_size) {}
  void add_sequence(const int32_t* tokens, int64_t count, int64_t start, const std::vector<int32_t>& block_table,
                    bool wants_logits);
  ForwardBatch finish();

 private:
  int64_t block_size_;
  ForwardBatch batch_;
  std::vector<std::vector<int32_t>> tables_;
};

}  // namespace llmc
