// KvCacheManager: prefix lookup limits, all-or-nothing allocation, commit of full blocks only.
#include "runtime/head/kv_cache_manager.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace llmc {
namespace {

using V = std::vector<int32_t>;

V iota(int32_t n, int32_t base = 100) {
  V v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), base);
  return v;
}

// Runs a sequence's tokens through the cache once (allocate, compute all, commit) and frees it.
void compute_and_free(KvCacheManager& kv, const V& tokens) {
  SeqBlocks s;
  ASSERT_TRUE(kv.allocate(s, static_cast<int32_t>(tokens.size())));
  kv.commit(s, tokens, static_cast<int32_t>(tokens.size()));
  kv.free(s);
}

TEST(KvCacheManagerTest, HitsAreWholeBlocksAndNeverTheLastToken) {
  KvCacheManager kv(8, 4, true);
  compute_and_free(kv, iota(12));  // three full blocks cached
  SeqBlocks a;
  EXPECT_EQ(kv.find_cached_prefix(a, iota(12)).num_tokens, 8) << "12 tokens: the 3rd block holds the last token";
  SeqBlocks b;
  EXPECT_EQ(kv.find_cached_prefix(b, iota(13)).num_tokens, 12);
  SeqBlocks c;
  EXPECT_EQ(kv.find_cached_prefix(c, iota(4)).num_tokens, 0);
  SeqBlocks d;
  V diverging = iota(12);
  diverging[5] = 7;  // second block differs: the hit stops after the first
  EXPECT_EQ(kv.find_cached_prefix(d, diverging).num_tokens, 4);
}

TEST(KvCacheManagerTest, CommitRegistersOnlyFullComputedBlocks) {
  KvCacheManager kv(8, 4, true);
  SeqBlocks s;
  const V t = iota(10);
  ASSERT_TRUE(kv.allocate(s, 10));
  kv.commit(s, t, 7);  // block 0 full, block 1 half computed
  EXPECT_TRUE(kv.pool().is_cached(s.block_ids[0]));
  EXPECT_FALSE(kv.pool().is_cached(s.block_ids[1]));
  kv.commit(s, t, 10);
  EXPECT_TRUE(kv.pool().is_cached(s.block_ids[1]));
  EXPECT_FALSE(kv.pool().is_cached(s.block_ids[2])) << "the third block holds only 2 of 4 tokens";
  kv.free(s);
  EXPECT_EQ(kv.pool().num_free_blocks(), 8);
}

TEST(KvCacheManagerTest, AllocationIsAllOrNothing) {
  KvCacheManager kv(4, 4, true);
  SeqBlocks big;
  EXPECT_FALSE(kv.allocate(big, 17)) << "17 tokens need 5 blocks of 4";
  EXPECT_TRUE(big.block_ids.empty());
  EXPECT_EQ(kv.pool().num_free_blocks(), 4);
  SeqBlocks s;
  ASSERT_TRUE(kv.allocate(s, 9));
  EXPECT_EQ(s.block_ids.size(), 3u);
  EXPECT_FALSE(kv.allocate(s, 17));
  EXPECT_EQ(s.block_ids.size(), 3u);
  EXPECT_TRUE(kv.allocate(s, 12)) << "still inside the third block";
  EXPECT_EQ(s.block_ids.size(), 3u);
  kv.free(s);
}

TEST(KvCacheManagerTest, CachedFreeHitBlocksAreNotCountedTwice) {
  // 3 blocks: a cached 8-token prefix (2 free, cached blocks) + 1 empty block.
  KvCacheManager kv(3, 4, true);
  compute_and_free(kv, iota(8));
  SeqBlocks s;
  const V t = iota(12);
  PrefixHit hit = kv.find_cached_prefix(s, t);
  ASSERT_EQ(hit.num_tokens, 8);
  // Another request holds the empty block: the 2 free blocks are exactly the hits, nothing is left to allocate.
  SeqBlocks other;
  ASSERT_TRUE(kv.allocate(other, 1));
  EXPECT_FALSE(kv.allocate(s, 12, &hit));
  EXPECT_TRUE(s.block_ids.empty());
  EXPECT_EQ(kv.pool().num_free_blocks(), 2);
  kv.free(other);
  ASSERT_TRUE(kv.allocate(s, 12, &hit));
  EXPECT_EQ(s.block_ids[0], hit.block_ids[0]);
  EXPECT_EQ(s.block_ids[1], hit.block_ids[1]);
  EXPECT_EQ(kv.pool().refcount(hit.block_ids[0]), 1);
  EXPECT_EQ(kv.pool().num_free_blocks(), 0);
  kv.free(s);
  EXPECT_NO_THROW(kv.pool().check_invariants());
}

TEST(KvCacheManagerTest, CachingOffFindsNothing) {
  KvCacheManager kv(4, 4, false);
  compute_and_free(kv, iota(9));
  SeqBlocks s;
  EXPECT_EQ(kv.find_cached_prefix(s, iota(9)).num_tokens, 0);
}

}  // namespace
}  // namespace llmc
