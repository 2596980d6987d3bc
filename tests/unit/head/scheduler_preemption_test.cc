// Scheduler: preemption by recompute (victim choice, resume with tokens intact), and abort at every stage.
#include <gtest/gtest.h>

#include "tests/unit/head/scheduler_harness.h"

namespace llmc::test {
namespace {

std::vector<int32_t> expected_stream(RequestId id, int32_t prompt_len, int32_t count) {
  std::vector<int32_t> out;
  for (int32_t i = 0; i < count; ++i) out.push_back(default_token(id, prompt_len + i));
  return out;
}

TEST_F(SchedulerTest, PreemptsTheLatestArrivalWhichResumesAheadOfLaterRequests) {
  // 6 blocks of 4: three 8-token prompts fill the cache exactly.
  Harness& h = make(config(4, 64), 6);
  h.sched.add_request(1, prompt(8, 1000), sampling(2), 0);
  h.sched.add_request(2, prompt(8, 2000), sampling(6), 0);
  h.sched.add_request(3, prompt(8, 3000), sampling(6), 0);
  StepPlan p1 = h.step();
  ASSERT_EQ(p1.new_requests.size(), 3u);
  h.sched.add_request(4, prompt(4, 4000), sampling(2), 0);

  // Request 1's first decode needs a 3rd block: request 3 (latest arrival) is preempted, 1 and 2 go on.
  StepPlan p2 = h.plan();
  EXPECT_EQ(h.sched.last_events().preempted, (std::vector<RequestId>{3}));
  EXPECT_EQ(p2.finished_ids, (std::vector<RequestId>{3})) << "workers drop the victim's state";
  EXPECT_EQ(scheduled(p2, 1), 1);
  EXPECT_EQ(scheduled(p2, 2), 1);
  EXPECT_EQ(scheduled(p2, 4), 0) << "a step that preempted admits nobody";
  EXPECT_EQ(h.sched.stats().num_preempted_waiting, 1);
  h.complete();  // request 1 reaches max_tokens = 2 and frees 3 blocks

  // Request 3 resumes before request 4 (which arrived later) with prompt + generated token, recomputed.
  StepPlan p3 = h.step();
  const NewRequestPlan* r3 = find_new(p3, 3);
  ASSERT_NE(r3, nullptr);
  std::vector<int32_t> tokens = prompt(8, 3000);
  tokens.push_back(default_token(3, 8));
  EXPECT_EQ(r3->token_ids, tokens);
  EXPECT_EQ(r3->num_prompt_tokens, 8);
  EXPECT_EQ(r3->num_computed_tokens, 0) << "its cached blocks were reused by 1 and 2";
  EXPECT_EQ(r3->num_scheduled_tokens, 9);
  EXPECT_EQ(scheduled(p3, 4), 0) << "no block left for request 4";
  EXPECT_EQ(h.sched.stats().num_preemptions, 1u);

  h.drain();
  EXPECT_EQ(h.outputs[1], expected_stream(1, 8, 2));
  EXPECT_EQ(h.outputs[2], expected_stream(2, 8, 6));
  EXPECT_EQ(h.outputs[3], expected_stream(3, 8, 6)) << "the resumed request continues its own stream";
  EXPECT_EQ(h.outputs[4], expected_stream(4, 4, 2));
}

TEST_F(SchedulerTest, PriorityPolicyPreemptsTheLowestPriority) {
  SchedulerConfig c = config(4, 64);
  c.policy = SchedulingPolicy::kPriority;
  Harness& h = make(c, 6);
  h.sched.add_request(1, prompt(8, 1000), sampling(4), 0);
  h.sched.add_request(2, prompt(8, 2000), sampling(4), 2);
  h.sched.add_request(3, prompt(8, 3000), sampling(4), 1);
  h.step();
  StepPlan p2 = h.plan();
  EXPECT_EQ(p2.finished_ids, (std::vector<RequestId>{2})) << "priority 2 is the lowest, though 3 arrived later";
  EXPECT_EQ(scheduled(p2, 1), 1);
  EXPECT_EQ(scheduled(p2, 3), 1);
}

TEST_F(SchedulerTest, SequencesInFlightAreNeverPreempted) {
  SchedulerConfig c = config(4, /*budget=*/16);
  c.max_plans_in_flight = 2;
  Harness& h = make(c, 6);
  h.sched.add_request(1, prompt(8, 1000), sampling(4), 0);
  h.sched.add_request(2, prompt(8, 2000), sampling(4), 0);
  h.sched.add_request(3, prompt(8, 3000), sampling(4), 0);
  StepPlan p1 = h.plan();  // 1 and 2
  StepPlan p2 = h.plan();  // 3
  ASSERT_EQ(scheduled(p2, 3), 8);
  h.complete();  // p1
  StepPlan p3 = h.plan();
  EXPECT_EQ(p3.finished_ids, (std::vector<RequestId>{2})) << "3 arrived last but its KV is being written";
  EXPECT_EQ(scheduled(p3, 1), 1);
}

TEST_F(SchedulerTest, ASequenceThatIsItselfTheLatestPreemptsItselfAndResumesFromItsCachedBlocks) {
  Harness& h = make(config(4, 64), 4);
  h.sched.add_request(1, prompt(6, 1000), sampling(3), 0);  // 2 blocks with room for 2 more tokens
  h.sched.add_request(2, prompt(8, 2000), sampling(3), 0);  // 2 full blocks
  StepPlan p1 = h.step();
  const std::vector<int32_t> blocks2 = find_new(p1, 2)->block_ids;
  ASSERT_EQ(blocks2.size(), 2u);

  StepPlan p2 = h.step();
  EXPECT_EQ(scheduled(p2, 1), 1);
  EXPECT_EQ(scheduled(p2, 2), 0);
  EXPECT_EQ(p2.finished_ids, (std::vector<RequestId>{2}));
  h.step();  // request 1 samples its 3rd token and finishes

  StepPlan p4 = h.step();
  const NewRequestPlan* r2 = find_new(p4, 2);
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(r2->num_computed_tokens, 8) << "both prompt blocks were still cached";
  EXPECT_EQ(r2->num_scheduled_tokens, 1) << "only the generated token is recomputed";
  ASSERT_EQ(r2->block_ids.size(), 3u);
  EXPECT_EQ(r2->block_ids[0], blocks2[0]);
  EXPECT_EQ(r2->block_ids[1], blocks2[1]);
  h.drain();
  EXPECT_EQ(h.outputs[2], expected_stream(2, 8, 3));
}

TEST_F(SchedulerTest, HeavyPreemptionStillYieldsExactStreams) {
  // 8 blocks (32 tokens) for four requests that each grow to 18 tokens.
  Harness& h = make(config(4, 64), 8);
  for (RequestId id = 1; id <= 4; ++id) h.sched.add_request(id, prompt(6, 1000 * static_cast<int32_t>(id)), sampling(12), 0);
  h.drain();
  EXPECT_GT(h.sched.stats().num_preemptions, 0u);
  for (RequestId id = 1; id <= 4; ++id) {
    EXPECT_EQ(h.outputs[id], expected_stream(id, 6, 12)) << "request " << id;
    EXPECT_EQ(h.finish[id], FinishReason::kLength);
  }
}

TEST_F(SchedulerTest, AbortFreesBlocksAtEveryStage) {
  Harness& h = make(config(4, 64), 16);
  h.sched.add_request(1, prompt(8, 1000), sampling(10), 0);
  h.sched.add_request(2, prompt(5, 2000), sampling(10), 0);
  h.sched.add_request(3, prompt(4, 3000), sampling(10), 0);
  h.sched.finish_sequence(3, FinishReason::kAbort);  // still waiting
  StepPlan p1 = h.step();
  EXPECT_EQ(scheduled(p1, 3), 0);
  EXPECT_EQ(h.sched.kv().pool().num_free_blocks(), 12);

  h.sched.finish_sequence(2, FinishReason::kAbort);  // running, not in flight: freed at once
  EXPECT_EQ(h.sched.kv().pool().num_free_blocks(), 14);
  StepPlan p2 = h.plan();
  EXPECT_EQ(p2.finished_ids, (std::vector<RequestId>{2}));
  EXPECT_EQ(h.sched.kv().pool().num_free_blocks(), 13) << "request 1's decode took a 3rd block";

  h.sched.finish_sequence(1, FinishReason::kAbort);  // in flight: workers may still write its blocks
  EXPECT_EQ(h.sched.kv().pool().num_free_blocks(), 13);
  const auto updates = h.complete();
  EXPECT_TRUE(updates.empty()) << "the token sampled for an aborted request is dropped";
  EXPECT_EQ(h.sched.kv().pool().num_free_blocks(), 16);
  EXPECT_FALSE(h.sched.has_unfinished());
  h.sched.finish_sequence(1, FinishReason::kAbort);  // idempotent
}

}  // namespace
}  // namespace llmc::test
