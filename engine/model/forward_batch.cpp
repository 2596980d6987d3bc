#include "engine/model/forward_batch.h"

#include <algorithm>

#include "common/check.h"

namespace llmc {

void ForwardBatchBuilder::add_sequence(const int32_t* tokens, int64_t count, int64_t start,
                                       const std::vector<int32_t>& block_table, bool wants_logits) {
  LLMC_CHECK(count > 0) << "a scheduled sequence must contribute at least one token";
  const int64_t end = start + count;
  LLMC_CHECK(static_cast<int64_t>(block_table.size()) * block_size_ >= end)
      << "block table of " << block_table.size() << " blocks cannot hold " << end << " tokens (block size "
      << block_size_ << ")";
  if (batch_.query_start.empty()) batch_.query_start.push_back(0);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t pos = start + i;
    batch_.token_ids.push_back(tokens[i]);
    batch_.positions.push_back(static_cast<int32_t>(pos));
    batch_.slot_mapping.push_back(static_cast<int64_t>(block_table[pos / block_size_]) * block_size_ +
                                  pos % block_size_);
  }
  batch_.query_start.push_back(static_cast<int32_t>(batch_.positions.size()));
  batch_.context_lens.push_back(static_cast<int32_t>(end));
  if (wants_logits) batch_.logits_indices.push_back(static_cast<int32_t>(batch_.positions.size() - 1));
  tables_.push_back(block_table);
}

ForwardBatch ForwardBatchBuilder::finish() {
  if (batch_.query_start.empty()) batch_.query_start.push_back(0);
  int64_t width = 1;
  for (const auto& t : tables_) width = std::max<int64_t>(width, static_cast<int64_t>(t.size()));
  batch_.max_blocks_per_seq = width;
  batch_.block_tables.assign(tables_.size() * width, 0);
  for (size_t s = 0; s < tables_.size(); ++s) {
    std::copy(tables_[s].begin(), tables_[s].end(), batch_.block_tables.begin() + s * width);
  }
  tables_.clear();
  ForwardBatch out = std::move(batch_);
  batch_ = ForwardBatch{};
  return out;
}

}  // namespace llmc
