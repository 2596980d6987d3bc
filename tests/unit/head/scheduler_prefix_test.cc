// Scheduler: automatic prefix caching (hits, cached-token counts, LRU eviction) and n > 1 children sharing
// their prompt's blocks.
#include <gtest/gtest.h>

#include "tests/unit/head/scheduler_harness.h"

namespace llmc::test {
namespace {

TEST_F(SchedulerTest, PrefixHitsServeWholeBlocksAndCountCachedTokens) {
  Harness& h = make(config(4, 64), 16);
  h.sched.add_request(1, prompt(10, 1000), sampling(1), 0);
  StepPlan p1 = h.step();
  const std::vector<int32_t> blocks1 = find_new(p1, 1)->block_ids;

  std::vector<int32_t> shared9 = prompt(9, 1000);
  shared9.push_back(5000);  // 10 tokens: blocks 0 and 1 match request 1, the tail differs
  h.sched.add_request(2, shared9, sampling(2), 0);
  StepPlan p2 = h.step();
  const NewRequestPlan* r2 = find_new(p2, 2);
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(r2->num_computed_tokens, 8);
  EXPECT_EQ(r2->num_scheduled_tokens, 2);
  ASSERT_EQ(r2->block_ids.size(), 3u);
  EXPECT_EQ(r2->block_ids[0], blocks1[0]);
  EXPECT_EQ(r2->block_ids[1], blocks1[1]);
  EXPECT_EQ(h.sched.find(2)->num_cached_prompt_tokens, 8);

  // Exactly two cached blocks of prompt: the second holds the last token, which is always recomputed.
  h.sched.add_request(3, prompt(8, 1000), sampling(1), 0);
  StepPlan p3 = h.plan();
  EXPECT_EQ(find_new(p3, 3)->num_computed_tokens, 4);
  EXPECT_EQ(find_new(p3, 3)->num_scheduled_tokens, 4);
  h.complete();

  const SchedulerStats st = h.sched.stats();
  EXPECT_EQ(st.prefix_cache_queries, 28u);  // 10 + 10 + 8 tokens looked up
  EXPECT_EQ(st.prefix_cache_hits, 12u);     // 0 + 8 + 4
}

TEST_F(SchedulerTest, PrefixCachingCanBeDisabled) {
  SchedulerConfig c = config(4, 64);
  c.enable_prefix_caching = false;
  Harness& h = make(c, 16);
  h.sched.add_request(1, prompt(10, 1000), sampling(1), 0);
  h.step();
  h.sched.add_request(2, prompt(10, 1000), sampling(1), 0);
  EXPECT_EQ(find_new(h.step(), 2)->num_computed_tokens, 0);
  EXPECT_EQ(h.sched.stats().prefix_cache_hits, 0u);
}

TEST_F(SchedulerTest, BlocksAreSharedOnlyOnceTheStepThatComputedThemReturned) {
  Harness& h = make(config(4, 64), 16);
  h.sched.add_request(1, prompt(9, 1000), sampling(2), 0);
  h.sched.add_request(2, prompt(9, 1000), sampling(2), 0);
  StepPlan p1 = h.step();
  EXPECT_EQ(find_new(p1, 2)->num_computed_tokens, 0) << "same step: request 1's KV is not written yet";
  h.sched.add_request(3, prompt(9, 1000), sampling(2), 0);
  EXPECT_EQ(find_new(h.step(), 3)->num_computed_tokens, 8);
}

TEST_F(SchedulerTest, EvictionIsLeastRecentlyUsedAndAHitRefreshesABlock) {
  // 4 blocks of 4; every prompt has 5 tokens (2 blocks, the first one full and cacheable) and max_tokens 1.
  Harness& h = make(config(4, 64), 4);
  auto run_one = [&](RequestId id, int32_t base) {
    h.sched.add_request(id, prompt(5, base), sampling(1), 0);
    StepPlan p = h.step();
    const NewRequestPlan* r = find_new(p, id);
    return r == nullptr ? NewRequestPlan{} : *r;
  };
  EXPECT_EQ(run_one(1, 1000).block_ids, (std::vector<int32_t>{0, 1}));  // A caches its first block in 0
  EXPECT_EQ(run_one(2, 2000).block_ids, (std::vector<int32_t>{1, 2}));  // B: empty 1 first, caches in 1
  EXPECT_EQ(run_one(3, 3000).block_ids, (std::vector<int32_t>{2, 3}));  // C caches in 2
  EXPECT_EQ(h.sched.kv().pool().free_queue(), (std::vector<int32_t>{3, 0, 1, 2}));

  const NewRequestPlan a2 = run_one(4, 1000);  // A again: hit on block 0, which becomes most recently used
  EXPECT_EQ(a2.num_computed_tokens, 4);
  EXPECT_EQ(a2.block_ids, (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(h.sched.kv().pool().free_queue(), (std::vector<int32_t>{3, 1, 2, 0}));

  const NewRequestPlan d = run_one(5, 5000);  // new prompt: evicts B's block 1, the least recently used
  EXPECT_EQ(d.block_ids, (std::vector<int32_t>{3, 1}));
  EXPECT_EQ(run_one(6, 3000).num_computed_tokens, 4) << "C's block survived";
  EXPECT_EQ(run_one(7, 1000).num_computed_tokens, 4) << "A's block survived";
  EXPECT_EQ(run_one(8, 2000).num_computed_tokens, 0) << "B's block was evicted";
}

// The i-th output (1-based) of splitmix64 seeded with `seed`, written out from its published definition.
uint64_t splitmix64_output(uint64_t seed, int i) {
  uint64_t state = seed;
  uint64_t z = 0;
  for (int k = 0; k < i; ++k) {
    state += 0x9E3779B97F4A7C15ull;
    z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
  }
  return z;
}

class ForkTest : public SchedulerTest, public ::testing::WithParamInterface<bool> {};

TEST_P(ForkTest, ChildrenShareThePromptBlocksAndSampleIndependently) {
  SchedulerConfig c = config(4, 64);
  c.enable_prefix_caching = GetParam();
  Harness& h = make(c, 16);
  h.sched.add_request(10, prompt(9, 1000), sampling(3, /*n=*/3), 0);

  StepPlan p1 = h.step();
  ASSERT_EQ(p1.new_requests.size(), 1u) << "children wait for child 0 to compute the shared blocks";
  const std::vector<int32_t> parent_blocks = p1.new_requests[0].block_ids;
  ASSERT_EQ(parent_blocks.size(), 3u);

  StepPlan p2 = h.step();
  EXPECT_EQ(scheduled(p2, 10), 1);
  for (RequestId id : {RequestId{11}, RequestId{12}}) {
    const NewRequestPlan* r = find_new(p2, id);
    ASSERT_NE(r, nullptr) << "child " << id;
    EXPECT_EQ(r->num_computed_tokens, 8) << "two full prompt blocks shared";
    EXPECT_EQ(r->num_scheduled_tokens, 1) << "the last prompt token is recomputed for its own logits";
    ASSERT_EQ(r->block_ids.size(), 3u);
    EXPECT_EQ(r->block_ids[0], parent_blocks[0]);
    EXPECT_EQ(r->block_ids[1], parent_blocks[1]);
    EXPECT_NE(r->block_ids[2], parent_blocks[2]) << "the partial block is each child's own";
    EXPECT_EQ(r->sampling.n, 1);
    EXPECT_EQ(h.sched.find(id)->num_cached_prompt_tokens, 8);
  }
  EXPECT_EQ(h.sched.kv().pool().refcount(parent_blocks[0]), 3);
  EXPECT_EQ(h.sched.kv().pool().refcount(parent_blocks[1]), 3);

  const uint64_t s0 = p1.new_requests[0].sampling.seed;
  const uint64_t s1 = find_new(p2, 11)->sampling.seed;
  const uint64_t s2 = find_new(p2, 12)->sampling.seed;
  EXPECT_EQ(s0, splitmix64_output(1234, 1));
  EXPECT_EQ(s1, splitmix64_output(1234, 2));
  EXPECT_EQ(s2, splitmix64_output(1234, 3));

  h.drain();
  for (RequestId id = 10; id <= 12; ++id) {
    std::vector<int32_t> expect;
    for (int32_t i = 0; i < 3; ++i) expect.push_back(default_token(id, 9 + i));
    EXPECT_EQ(h.outputs[id], expect) << "child " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(PrefixCaching, ForkTest, ::testing::Bool());

TEST_F(SchedulerTest, ChildrenOfAShortPromptStartTogether) {
  Harness& h = make(config(4, 64), 16);
  h.sched.add_request(20, prompt(3, 1000), sampling(2, /*n=*/2), 0);
  StepPlan p1 = h.step();
  EXPECT_EQ(scheduled(p1, 20), 3);
  EXPECT_EQ(scheduled(p1, 21), 3) << "no full block to share";
}

}  // namespace
}  // namespace llmc::test
