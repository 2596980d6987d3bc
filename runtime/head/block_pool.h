// The head's view of the workers' paged KV cache: N blocks of block_size tokens, reference counted, with
// automatic prefix caching of full blocks.
//
// Invariants: a block is either referenced (refcount > 0) or in the free queue, never both. A full block may be
// registered under its BlockHash; it keeps that registration while free (refcount 0), so a later request can
// take it back from the free queue (a prefix-cache hit). Allocation takes blocks from the head of the free
// queue and drops whatever they cached, so the free queue order IS the eviction order: blocks without cached
// content are put at the head when freed (evicted first), blocks with cached content at the tail (evicted least
// recently used first). Owned by KvCacheManager; single-threaded (the engine loop thread).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "runtime/head/block_hash.h"

namespace llmc {

class BlockPool {
 public:
  BlockPool(int32_t num_blocks, int32_t block_size, bool enable_prefix_caching);

  int32_t num_blocks() const { return num_blocks_; }
  int32_t block_size() const { return block_size_; }
  bool prefix_caching() const { return caching_; }
  // Blocks with refcount 0, whether they still cache content or not: all of them can be allocated.
  int32_t num_free_blocks() const { return num_free_; }
  int32_t num_cached_blocks() const { return static_cast<int32_t>(cached_.size()); }
  // Fraction of blocks referenced by requests (cached-but-free blocks count as free), in [0, 1].
  double usage() const { return 1.0 - static_cast<double>(num_free_) / num_blocks_; }

  // Appends n blocks from the head of the free queue to `out`, evicting their cached content.
  // Requires n <= num_free_blocks().
  void allocate(int32_t n, std::vector<int32_t>& out);
  // One more reference; a free block leaves the free queue (how a prefix-cache hit is taken).
  void acquire(int32_t block);
  // Drops one reference of each block, in the order given (the caller passes a request's table tail first).
  void release(std::span<const int32_t> blocks);

  // The free or referenced block caching exactly (parent, tokens) under `hash`, if any.
  std::optional<int32_t> lookup(const BlockHash& hash, const BlockHash& parent,
                                std::span<const int32_t> tokens) const;
  // Registers a referenced, full block. Returns false (and changes nothing) when caching is off or the hash is
  // already cached by some block: the first copy stays the shared one.
  bool register_block(int32_t block, const BlockHash& hash, const BlockHash& parent,
                      std::span<const int32_t> tokens);

  int32_t refcount(int32_t block) const;
  bool is_cached(int32_t block) const;
  // Free queue from head (next to be allocated) to tail; for tests and debugging.
  std::vector<int32_t> free_queue() const;
  // Throws llmc::Error when the refcounts, the free queue and the cache map disagree.
  void check_invariants() const;

 private:
  struct Block {
    int32_t refcount = 0;
    int32_t prev = -1;  // free-queue links; -1 while referenced
    int32_t next = -1;
    bool cached = false;
    BlockHash hash;
    BlockHash parent;
  };

  void check_id(int32_t block, const char* what) const;
  void unlink(int32_t block);
  void link_before(int32_t block, int32_t successor);
  void evict(int32_t block);

  int32_t num_blocks_;
  int32_t block_size_;
  bool caching_;
  int32_t num_free_ = 0;
  int32_t sentinel_;            // index num_blocks_: head is blocks_[sentinel_].next, tail its prev
  std::vector<Block> blocks_;   // num_blocks_ + 1 (the sentinel)
  std::vector<int32_t> tokens_; // [num_blocks, block_size] tokens of cached blocks (empty when caching is off)
  std::unordered_map<BlockHash, int32_t, BlockHashHasher> cached_;
};

}  // namespace llmc
