// BlockPool and block hashing: refcounts, free-queue (eviction) order, cache registration and lookup.
#include "runtime/head/block_pool.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>
#include <vector>

#include "common/check.h"
#include "runtime/head/block_hash.h"

namespace llmc {
namespace {

using V = std::vector<int32_t>;

TEST(BlockHashTest, DependsOnEveryTokenTheOrderAndTheParent) {
  const V a{1, 2, 3, 4};
  const BlockHash h = hash_block(kRootBlockHash, a);
  EXPECT_EQ(h, hash_block(kRootBlockHash, V{1, 2, 3, 4}));
  EXPECT_NE(h, hash_block(kRootBlockHash, V{1, 2, 3, 5}));
  EXPECT_NE(h, hash_block(kRootBlockHash, V{2, 1, 3, 4}));
  EXPECT_NE(h, hash_block(kRootBlockHash, V{1, 2, 3}));
  EXPECT_NE(h, hash_block(hash_block(kRootBlockHash, V{9}), a));
  EXPECT_NE(h.lo, h.hi);
}

TEST(BlockHashTest, NoCollisionInEitherHalfOverManyRandomBlocks) {
  // 2^18 random 16-token blocks: a 64-bit half colliding here would mean a badly broken mixer (odds ~2^-28).
  std::mt19937_64 rng(7);
  std::unordered_set<uint64_t> lo, hi;
  V tokens(16);
  for (int i = 0; i < (1 << 18); ++i) {
    for (auto& t : tokens) t = static_cast<int32_t>(rng() % 32000);
    const BlockHash h = hash_block(kRootBlockHash, tokens);
    ASSERT_TRUE(lo.insert(h.lo).second) << "low half collided at block " << i;
    ASSERT_TRUE(hi.insert(h.hi).second) << "high half collided at block " << i;
  }
}

TEST(BlockPoolTest, AllocatesFromTheHeadAndCountsReferences) {
  BlockPool pool(4, 16, true);
  V got;
  pool.allocate(2, got);
  EXPECT_EQ(got, (V{0, 1}));
  EXPECT_EQ(pool.free_queue(), (V{2, 3}));
  EXPECT_EQ(pool.num_free_blocks(), 2);
  EXPECT_DOUBLE_EQ(pool.usage(), 0.5);
  pool.acquire(1);
  EXPECT_EQ(pool.refcount(1), 2);
  pool.release(V{1});
  EXPECT_EQ(pool.refcount(1), 1);
  pool.release(V{1, 0});
  // Neither held cached content, so each went to the head as it was freed: 1 first, then 0 before it.
  EXPECT_EQ(pool.free_queue(), (V{0, 1, 2, 3}));
  EXPECT_NO_THROW(pool.check_invariants());
}

TEST(BlockPoolTest, CachedBlocksAreEvictedLastAndLeastRecentlyUsedFirst) {
  BlockPool pool(4, 2, true);
  V got;
  pool.allocate(4, got);
  ASSERT_TRUE(pool.register_block(0, hash_block(kRootBlockHash, V{5, 6}), kRootBlockHash, V{5, 6}));
  ASSERT_TRUE(pool.register_block(1, hash_block(kRootBlockHash, V{7, 8}), kRootBlockHash, V{7, 8}));
  pool.release(V{3, 2, 1, 0});
  // 3 and 2 are empty (to the head, 2 ahead of 3); 1 then 0 join the tail in release order.
  EXPECT_EQ(pool.free_queue(), (V{2, 3, 1, 0}));
  EXPECT_EQ(pool.num_cached_blocks(), 2);

  V more;
  pool.allocate(3, more);
  EXPECT_EQ(more, (V{2, 3, 1}));
  EXPECT_FALSE(pool.is_cached(1)) << "allocating block 1 must drop its cached content";
  EXPECT_FALSE(pool.lookup(hash_block(kRootBlockHash, V{7, 8}), kRootBlockHash, V{7, 8}).has_value());
  EXPECT_EQ(pool.lookup(hash_block(kRootBlockHash, V{5, 6}), kRootBlockHash, V{5, 6}), 0);
  pool.release(more);
  EXPECT_NO_THROW(pool.check_invariants());
}

TEST(BlockPoolTest, AHitTakesAFreeCachedBlockOutOfTheQueue) {
  BlockPool pool(3, 2, true);
  V got;
  pool.allocate(1, got);
  const BlockHash h = hash_block(kRootBlockHash, V{1, 2});
  pool.register_block(0, h, kRootBlockHash, V{1, 2});
  pool.release(got);
  EXPECT_EQ(pool.num_free_blocks(), 3);
  const auto hit = pool.lookup(h, kRootBlockHash, V{1, 2});
  ASSERT_EQ(hit, 0);
  pool.acquire(*hit);
  EXPECT_EQ(pool.num_free_blocks(), 2);
  EXPECT_EQ(pool.free_queue(), (V{1, 2}));
  pool.release(V{0});
  EXPECT_EQ(pool.free_queue(), (V{1, 2, 0}));
}

TEST(BlockPoolTest, LookupComparesTokensAndParentSoACollisionCannotServeWrongKv) {
  BlockPool pool(2, 2, true);
  V got;
  pool.allocate(1, got);
  const BlockHash parent = hash_block(kRootBlockHash, V{9, 9});
  const BlockHash h = hash_block(parent, V{1, 2});
  pool.register_block(0, h, parent, V{1, 2});
  EXPECT_EQ(pool.lookup(h, parent, V{1, 2}), 0);
  // Same hash presented with other tokens or another parent, as a collision would: no hit.
  EXPECT_FALSE(pool.lookup(h, parent, V{1, 3}).has_value());
  EXPECT_FALSE(pool.lookup(h, kRootBlockHash, V{1, 2}).has_value());
  EXPECT_FALSE(pool.lookup(h, parent, V{1}).has_value());
  pool.release(got);
}

TEST(BlockPoolTest, FirstCopyOfAHashStaysTheSharedOne) {
  BlockPool pool(2, 2, true);
  V got;
  pool.allocate(2, got);
  const BlockHash h = hash_block(kRootBlockHash, V{1, 2});
  EXPECT_TRUE(pool.register_block(0, h, kRootBlockHash, V{1, 2}));
  EXPECT_FALSE(pool.register_block(1, h, kRootBlockHash, V{1, 2}));
  EXPECT_FALSE(pool.register_block(0, h, kRootBlockHash, V{1, 2}));
  EXPECT_TRUE(pool.is_cached(0));
  EXPECT_FALSE(pool.is_cached(1));
  pool.release(got);
  EXPECT_NO_THROW(pool.check_invariants());
}

TEST(BlockPoolTest, WithCachingOffNothingIsRegisteredOrFound) {
  BlockPool pool(2, 2, false);
  V got;
  pool.allocate(1, got);
  const BlockHash h = hash_block(kRootBlockHash, V{1, 2});
  EXPECT_FALSE(pool.register_block(0, h, kRootBlockHash, V{1, 2}));
  EXPECT_FALSE(pool.lookup(h, kRootBlockHash, V{1, 2}).has_value());
  pool.release(got);
}

TEST(BlockPoolTest, MisuseThrowsClearErrors) {
  EXPECT_THROW(BlockPool(0, 16, true), Error);
  EXPECT_THROW(BlockPool(4, 0, true), Error);
  BlockPool pool(2, 2, true);
  V got;
  EXPECT_THROW(pool.allocate(3, got), Error);
  pool.allocate(1, got);
  pool.release(got);
  try {
    pool.release(got);
    FAIL() << "double free accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("double free"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pool.acquire(2), Error);
  EXPECT_THROW(pool.release(V{-1}), Error);
  EXPECT_THROW(pool.register_block(0, BlockHash{1, 2}, kRootBlockHash, V{1, 2}), Error) << "block 0 is free";
}

}  // namespace
}  // namespace llmc
