#include "runtime/head/kv_cache_manager.h"

#include "common/check.h"

namespace llmc {

KvCacheManager::KvCacheManager(int32_t num_blocks, int32_t block_size, bool enable_prefix_caching)
    : block_size_(block_size), pool_(num_blocks, block_size, enable_prefix_caching) {}

void KvCacheManager::extend_hashes(SeqBlocks& seq, std::span<const int32_t> tokens, int32_t num_blocks) {
  for (auto i = static_cast<int32_t>(seq.hashes.size()); i < num_blocks; ++i) {
    const BlockHash& parent = i == 0 ? kRootBlockHash : seq.hashes[i - 1];
    seq.hashes.push_back(hash_block(parent, tokens.subspan(static_cast<size_t>(i) * block_size_, block_size_)));
  }
}

PrefixHit KvCacheManager::find_cached_prefix(SeqBlocks& seq, std::span<const int32_t> tokens) {
  PrefixHit hit;
  if (!pool_.prefix_caching() || tokens.empty()) return hit;
  const auto max_blocks = static_cast<int32_t>((tokens.size() - 1) / block_size_);
  for (int32_t i = 0; i < max_blocks; ++i) {
    extend_hashes(seq, tokens, i + 1);
    const BlockHash& parent = i == 0 ? kRootBlockHash : seq.hashes[i - 1];
    const auto block = pool_.lookup(seq.hashes[i], parent,
                                    tokens.subspan(static_cast<size_t>(i) * block_size_, block_size_));
    if (!block) break;
    hit.block_ids.push_back(*block);
  }
  hit.num_tokens = static_cast<int32_t>(hit.block_ids.size()) * block_size_;
  return hit;
}

bool KvCacheManager::allocate(SeqBlocks& seq, int32_t num_tokens, const PrefixHit* hit) {
  int32_t have = static_cast<int32_t>(seq.block_ids.size());
  int32_t hits_now_free = 0;
  if (hit != nullptr) {
    LLMC_CHECK(seq.block_ids.empty()) << "KvCacheManager::allocate: a prefix hit needs an empty block table, "
                                      << "found " << seq.block_ids.size() << " blocks";
    have = static_cast<int32_t>(hit->block_ids.size());
    for (const int32_t b : hit->block_ids) hits_now_free += pool_.refcount(b) == 0 ? 1 : 0;
  }
  const int32_t needed = blocks_for(num_tokens) - have;
  if (needed <= 0 && hit == nullptr) return true;
  // Hit blocks sitting in the free queue are counted in num_free_blocks() but are not available to allocate.
  if (std::max(needed, 0) + hits_now_free > pool_.num_free_blocks()) return false;
  if (hit != nullptr) {
    for (const int32_t b : hit->block_ids) pool_.acquire(b);
    seq.block_ids = hit->block_ids;
    seq.num_registered = static_cast<int32_t>(hit->block_ids.size());
  }
  if (needed > 0) pool_.allocate(needed, seq.block_ids);
  return true;
}

void KvCacheManager::commit(SeqBlocks& seq, std::span<const int32_t> tokens, int32_t num_computed_tokens) {
  if (!pool_.prefix_caching()) return;
  LLMC_CHECK(num_computed_tokens <= static_cast<int32_t>(tokens.size()))
      << "KvCacheManager::commit: " << num_computed_tokens << " computed tokens but only " << tokens.size()
      << " known";
  const int32_t full = std::min(num_computed_tokens / block_size_, static_cast<int32_t>(seq.block_ids.size()));
  if (full <= seq.num_registered) return;
  extend_hashes(seq, tokens, full);
  for (int32_t i = seq.num_registered; i < full; ++i) {
    const BlockHash& parent = i == 0 ? kRootBlockHash : seq.hashes[i - 1];
    pool_.register_block(seq.block_ids[i], seq.hashes[i], parent,
                         tokens.subspan(static_cast<size_t>(i) * block_size_, block_size_));
  }
  seq.num_registered = full;
}

void KvCacheManager::free(SeqBlocks& seq) {
  std::vector<int32_t> reversed(seq.block_ids.rbegin(), seq.block_ids.rend());
  pool_.release(reversed);
  seq.block_ids.clear();
  seq.num_registered = 0;
}

}  // namespace llmc
