// Per-sequence block tables on top of BlockPool: prefix-cache lookup, all-or-nothing growth, registration of
// computed full blocks, and release.
//
// A sequence's KV state is a SeqBlocks owned by its Sequence; the manager keeps no per-sequence state of its own,
// so the scheduler decides when each call happens. Blocks are registered in the prefix cache only once the step
// that computed them has returned (commit), so a hit can never name KV that a worker has not written yet, with
// any worker batch layout and any number of plans in flight.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/head/block_hash.h"
#include "runtime/head/block_pool.h"

namespace llmc {

struct SeqBlocks {
  std::vector<int32_t> block_ids;   // the block table
  std::vector<BlockHash> hashes;    // of the leading full blocks of known tokens, extended lazily
  int32_t num_registered = 0;       // leading blocks already offered to the prefix cache
};

struct PrefixHit {
  std::vector<int32_t> block_ids;
  int32_t num_tokens = 0;  // block_ids.size() * block_size
};

class KvCacheManager {
 public:
  KvCacheManager(int32_t num_blocks, int32_t block_size, bool enable_prefix_caching);

  // Longest cached prefix of `tokens`, in whole blocks and never including the last token (the last token is
  // always recomputed: the request needs its logits). Takes no references.
  PrefixHit find_cached_prefix(SeqBlocks& seq, std::span<const int32_t> tokens);

  // Grows `seq`'s table to cover `num_tokens` tokens. When `hit` is given the table must be empty and starts
  // with the hit blocks (taking a reference on each). All or nothing: false leaves everything unchanged.
  bool allocate(SeqBlocks& seq, int32_t num_tokens, const PrefixHit* hit = nullptr);

  // Offers every full block among the first `num_computed_tokens` tokens to the prefix cache.
  void commit(SeqBlocks& seq, std::span<const int32_t> tokens, int32_t num_computed_tokens);

  // Drops the sequence's references, tail block first (so a prefix's tail is evicted before its head).
  void free(SeqBlocks& seq);

  int32_t blocks_for(int32_t num_tokens) const { return (num_tokens + block_size_ - 1) / block_size_; }
  int32_t block_size() const { return block_size_; }
  BlockPool& pool() { return pool_; }
  const BlockPool& pool() const { return pool_; }

 private:
  void extend_hashes(SeqBlocks& seq, std::span<const int32_t> tokens, int32_t num_blocks);

  int32_t block_size_;
  BlockPool pool_;
};

}  // namespace llmc
