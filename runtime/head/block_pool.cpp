#include "runtime/head/block_pool.h"

#include <algorithm>

#include "common/check.h"

namespace llmc {

BlockPool::BlockPool(int32_t num_blocks, int32_t block_size, bool enable_prefix_caching)
    : num_blocks_(num_blocks), block_size_(block_size), caching_(enable_prefix_caching), sentinel_(num_blocks) {
  LLMC_CHECK(num_blocks > 0) << "BlockPool: num_blocks must be positive, got " << num_blocks;
  LLMC_CHECK(block_size > 0) << "BlockPool: block_size must be positive, got " << block_size;
  blocks_.resize(static_cast<size_t>(num_blocks) + 1);
  blocks_[sentinel_].prev = blocks_[sentinel_].next = sentinel_;
  for (int32_t b = 0; b < num_blocks; ++b) link_before(b, sentinel_);
  num_free_ = num_blocks;
  if (caching_) {
    tokens_.resize(static_cast<size_t>(num_blocks) * block_size);
    cached_.reserve(static_cast<size_t>(num_blocks));
  }
}

void BlockPool::check_id(int32_t block, const char* what) const {
  LLMC_CHECK(block >= 0 && block < num_blocks_)
      << "BlockPool::" << what << ": block id " << block << " out of range [0, " << num_blocks_ << ")";
}

void BlockPool::unlink(int32_t block) {
  Block& b = blocks_[block];
  blocks_[b.prev].next = b.next;
  blocks_[b.next].prev = b.prev;
  b.prev = b.next = -1;
  --num_free_;
}

void BlockPool::link_before(int32_t block, int32_t successor) {
  Block& b = blocks_[block];
  b.next = successor;
  b.prev = blocks_[successor].prev;
  blocks_[b.prev].next = block;
  blocks_[successor].prev = block;
  ++num_free_;
}

void BlockPool::evict(int32_t block) {
  Block& b = blocks_[block];
  if (!b.cached) return;
  auto it = cached_.find(b.hash);
  if (it != cached_.end() && it->second == block) cached_.erase(it);
  b.cached = false;
}

void BlockPool::allocate(int32_t n, std::vector<int32_t>& out) {
  LLMC_CHECK(n >= 0 && n <= num_free_) << "BlockPool::allocate: asked for " << n << " blocks, " << num_free_
                                       << " free";
  for (int32_t i = 0; i < n; ++i) {
    const int32_t block = blocks_[sentinel_].next;
    unlink(block);
    evict(block);
    blocks_[block].refcount = 1;
    out.push_back(block);
  }
}

void BlockPool::acquire(int32_t block) {
  check_id(block, "acquire");
  Block& b = blocks_[block];
  if (b.refcount == 0) unlink(block);
  ++b.refcount;
}

void BlockPool::release(std::span<const int32_t> blocks) {
  for (const int32_t block : blocks) {
    check_id(block, "release");
    Block& b = blocks_[block];
    LLMC_CHECK(b.refcount > 0) << "BlockPool::release: block " << block << " is already free (double free)";
    if (--b.refcount > 0) continue;
    // Empty blocks go first so that cached content survives as long as possible.
    link_before(block, b.cached ? sentinel_ : blocks_[sentinel_].next);
  }
}

std::optional<int32_t> BlockPool::lookup(const BlockHash& hash, const BlockHash& parent,
                                         std::span<const int32_t> tokens) const {
  if (!caching_ || static_cast<int32_t>(tokens.size()) != block_size_) return std::nullopt;
  const auto it = cached_.find(hash);
  if (it == cached_.end()) return std::nullopt;
  const Block& b = blocks_[it->second];
  const int32_t* stored = tokens_.data() + static_cast<size_t>(it->second) * block_size_;
  if (!(b.parent == parent) || !std::equal(tokens.begin(), tokens.end(), stored)) return std::nullopt;
  return it->second;
}

bool BlockPool::register_block(int32_t block, const BlockHash& hash, const BlockHash& parent,
                               std::span<const int32_t> tokens) {
  check_id(block, "register_block");
  if (!caching_) return false;
  LLMC_CHECK(static_cast<int32_t>(tokens.size()) == block_size_)
      << "BlockPool::register_block: block " << block << " has " << tokens.size() << " tokens, expected "
      << block_size_;
  Block& b = blocks_[block];
  LLMC_CHECK(b.refcount > 0) << "BlockPool::register_block: block " << block << " is not referenced";
  if (b.cached || cached_.contains(hash)) return false;
  b.cached = true;
  b.hash = hash;
  b.parent = parent;
  std::copy(tokens.begin(), tokens.end(), tokens_.begin() + static_cast<size_t>(block) * block_size_);
  cached_.emplace(hash, block);
  return true;
}

int32_t BlockPool::refcount(int32_t block) const {
  check_id(block, "refcount");
  return blocks_[block].refcount;
}

bool BlockPool::is_cached(int32_t block) const {
  check_id(block, "is_cached");
  return blocks_[block].cached;
}

std::vector<int32_t> BlockPool::free_queue() const {
  std::vector<int32_t> order;
  for (int32_t b = blocks_[sentinel_].next; b != sentinel_; b = blocks_[b].next) order.push_back(b);
  return order;
}

void BlockPool::check_invariants() const {
  int32_t walked = 0;
  for (int32_t b = blocks_[sentinel_].next; b != sentinel_; b = blocks_[b].next) {
    LLMC_CHECK(walked <= num_blocks_) << "BlockPool: free queue has a cycle";
    LLMC_CHECK(blocks_[b].refcount == 0) << "BlockPool: block " << b << " is in the free queue with refcount "
                                         << blocks_[b].refcount;
    ++walked;
  }
  const auto referenced = std::count_if(blocks_.begin(), blocks_.end() - 1, [](const Block& b) { return b.refcount > 0; });
  LLMC_CHECK(walked == num_free_ && walked + referenced == num_blocks_)
      << "BlockPool: " << walked << " blocks in the free queue, " << referenced << " referenced, num_free "
      << num_free_ << ", total " << num_blocks_;
  int32_t flagged = 0;
  for (int32_t b = 0; b < num_blocks_; ++b) {
    if (!blocks_[b].cached) continue;
    ++flagged;
    const auto it = cached_.find(blocks_[b].hash);
    LLMC_CHECK(it != cached_.end() && it->second == b) << "BlockPool: block " << b << " is flagged cached but "
                                                       << "its hash maps elsewhere";
  }
  LLMC_CHECK(flagged == static_cast<int32_t>(cached_.size()))
      << "BlockPool: " << flagged << " blocks flagged cached, " << cached_.size() << " hashes in the map";
}

}  // namespace llmc
