// Scheduler: token budget, chunked prefill, decode-first ordering, long-prefill limit, sequence cap, policies,
// plans in flight (pipeline parallel), protocol checks and requests that can never fit.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/check.h"
#include "tests/unit/head/scheduler_harness.h"

namespace llmc::test {
namespace {

TEST_F(SchedulerTest, TokenBudgetChunksTheLastPrefillThatFits) {
  Harness& h = make(config(4, /*budget=*/10), 16);
  h.sched.add_request(1, prompt(6, 1000), sampling(3), 0);
  h.sched.add_request(2, prompt(6, 2000), sampling(3), 0);
  h.sched.add_request(3, prompt(6, 3000), sampling(3), 0);

  StepPlan p1 = h.step();
  EXPECT_EQ(total_scheduled(p1), 10);
  ASSERT_EQ(p1.new_requests.size(), 2u);
  EXPECT_EQ(scheduled(p1, 1), 6);
  EXPECT_EQ(scheduled(p1, 2), 4) << "request 2 gets the 4 tokens left of the budget";
  EXPECT_EQ(find_new(p1, 2)->token_ids, prompt(6, 2000)) << "a new request travels with all its tokens";
  EXPECT_EQ(scheduled(p1, 3), 0);
  EXPECT_EQ(h.outputs[1].size(), 1u) << "request 1 reached its last prompt token and sampled";
  EXPECT_EQ(h.outputs.count(2), 0u) << "request 2's chunk did not reach its last token";

  StepPlan p2 = h.step();
  EXPECT_EQ(scheduled(p2, 1), 1);
  EXPECT_EQ(find_cached(p2, 1)->num_computed_tokens, 6);
  EXPECT_EQ(find_cached(p2, 1)->new_token_ids, (std::vector<int32_t>{default_token(1, 6)}));
  EXPECT_EQ(scheduled(p2, 2), 2);
  EXPECT_EQ(find_cached(p2, 2)->num_computed_tokens, 4);
  EXPECT_TRUE(find_cached(p2, 2)->new_token_ids.empty());
  EXPECT_EQ(scheduled(p2, 3), 6);
  EXPECT_EQ(total_scheduled(p2), 9);
}

TEST_F(SchedulerTest, RunningDecodesAreScheduledBeforeWaitingPrefills) {
  Harness& h = make(config(4, /*budget=*/8), 16);
  h.sched.add_request(1, prompt(3, 1000), sampling(10), 0);
  h.sched.add_request(2, prompt(3, 2000), sampling(10), 0);
  h.step();
  h.sched.add_request(3, prompt(20, 3000), sampling(2), 0);
  for (int i = 0; i < 2; ++i) {
    StepPlan p = h.step();
    // Step 1: C is new; step 2: C is a running prefill, after the decodes.
    ASSERT_EQ(p.cached_requests.size(), i == 0 ? 2u : 3u);
    EXPECT_EQ(p.cached_requests[0].id, 1u);
    EXPECT_EQ(p.cached_requests[1].id, 2u);
    EXPECT_EQ(scheduled(p, 1), 1);
    EXPECT_EQ(scheduled(p, 2), 1);
    EXPECT_EQ(scheduled(p, 3), 6) << "the prompt gets what the decodes left: 8 - 2";
  }
}

TEST_F(SchedulerTest, LongPrefillThresholdCapsEachPromptPerStep) {
  SchedulerConfig c = config(4, /*budget=*/64);
  c.long_prefill_token_threshold = 4;
  Harness& h = make(c, 32);
  h.sched.add_request(1, prompt(3, 1000), sampling(10), 0);
  EXPECT_EQ(scheduled(h.step(), 1), 3);
  h.sched.add_request(2, prompt(10, 2000), sampling(2), 0);
  h.sched.add_request(3, prompt(9, 3000), sampling(2), 0);
  const int expect_b[] = {4, 4, 2, 1};
  const int expect_c[] = {4, 4, 1, 1};
  for (int i = 0; i < 4; ++i) {
    StepPlan p = h.step();
    EXPECT_EQ(scheduled(p, 1), 1) << "the decode is never starved, step " << i;
    EXPECT_EQ(scheduled(p, 2), expect_b[i]) << "step " << i;
    EXPECT_EQ(scheduled(p, 3), expect_c[i]) << "step " << i;
  }
}

TEST_F(SchedulerTest, WithoutChunkingAPromptWaitsForABudgetItFitsWhole) {
  SchedulerConfig c = config(4, /*budget=*/32);
  c.max_model_len = 32;
  c.enable_chunked_prefill = false;
  Harness& h = make(c, 32);
  h.sched.add_request(1, prompt(20, 1000), sampling(3), 0);
  h.sched.add_request(2, prompt(20, 2000), sampling(3), 0);
  StepPlan p1 = h.step();
  EXPECT_EQ(scheduled(p1, 1), 20);
  EXPECT_EQ(scheduled(p1, 2), 0) << "20 > the 12 tokens left, and prompts are not split";
  StepPlan p2 = h.step();
  EXPECT_EQ(scheduled(p2, 1), 1);
  EXPECT_EQ(scheduled(p2, 2), 20);

  SchedulerConfig bad = c;
  bad.max_num_batched_tokens = 16;
  EXPECT_THROW(Scheduler(bad, 8), Error) << "a 32-token context could never be scheduled in a 16-token step";
}

TEST_F(SchedulerTest, MaxNumSeqsCapsRunningSequences) {
  Harness& h = make(config(4, 64, /*max_seqs=*/2), 16);
  for (RequestId id = 1; id <= 3; ++id) h.sched.add_request(id, prompt(2, 1000 * static_cast<int32_t>(id)), sampling(1), 0);
  StepPlan p1 = h.step();
  ASSERT_EQ(p1.new_requests.size(), 2u);
  EXPECT_EQ(scheduled(p1, 3), 0);
  EXPECT_EQ(h.finish[1], FinishReason::kLength);
  StepPlan p2 = h.step();
  EXPECT_EQ(scheduled(p2, 3), 2);
  EXPECT_EQ(p2.finished_ids, (std::vector<RequestId>{1, 2})) << "workers drop the finished requests";
}

TEST_F(SchedulerTest, PriorityPolicyRunsLowerValuesFirstThenArrival) {
  SchedulerConfig c = config(4, /*budget=*/4);
  c.policy = SchedulingPolicy::kPriority;
  Harness& h = make(c, 16);
  h.sched.add_request(1, prompt(4, 1000), sampling(1), 5);
  h.sched.add_request(2, prompt(4, 2000), sampling(1), 1);
  h.sched.add_request(3, prompt(4, 3000), sampling(1), 1);
  h.sched.add_request(4, prompt(4, 4000), sampling(1), 0);
  std::vector<RequestId> order;
  for (int i = 0; i < 4; ++i) {
    StepPlan p = h.step();
    ASSERT_EQ(p.new_requests.size(), 1u);
    order.push_back(p.new_requests[0].id);
  }
  EXPECT_EQ(order, (std::vector<RequestId>{4, 2, 3, 1}));
}

TEST_F(SchedulerTest, FcfsPolicyIgnoresPriorityValues) {
  Harness& h = make(config(4, /*budget=*/4), 16);
  h.sched.add_request(1, prompt(4, 1000), sampling(1), 5);
  h.sched.add_request(2, prompt(4, 2000), sampling(1), 0);
  EXPECT_EQ(h.step().new_requests.at(0).id, 1u);
  EXPECT_EQ(h.step().new_requests.at(0).id, 2u);
}

TEST_F(SchedulerTest, PlansInFlightNeverScheduleARequestTwice) {
  SchedulerConfig c = config(4, /*budget=*/8);
  c.max_plans_in_flight = 2;
  Harness& h = make(c, 32);
  for (RequestId id = 1; id <= 3; ++id) h.sched.add_request(id, prompt(8, 1000 * static_cast<int32_t>(id)), sampling(2), 0);
  StepPlan p1 = h.plan();
  StepPlan p2 = h.plan();
  EXPECT_EQ(scheduled(p1, 1), 8);
  EXPECT_EQ(scheduled(p2, 1), 0) << "request 1 is in flight";
  EXPECT_EQ(scheduled(p2, 2), 8);
  EXPECT_FALSE(h.sched.schedule().has_value()) << "two plans are already in flight";

  StepResult out_of_order;
  out_of_order.step_id = p2.step_id;
  EXPECT_THROW(h.sched.update_from_result(out_of_order), Error);

  h.complete();  // p1
  StepPlan p3 = h.plan();
  EXPECT_EQ(scheduled(p3, 1), 1);
  EXPECT_EQ(scheduled(p3, 2), 0) << "request 2 is still in flight in p2";
  EXPECT_EQ(scheduled(p3, 3), 7);
  h.complete();  // p2
  h.complete();  // p3
}

TEST_F(SchedulerTest, PipelinedPlansSplitTheBatchSoEveryStageHasWork) {
  // Four sequences, three stages: ceil(4 / 3) = 2 per plan, so three plans can be in flight at once and a
  // returned plan's sequences form the next plan, never mixing with ones still in flight.
  SchedulerConfig c = config(4, /*budget=*/64);
  c.max_plans_in_flight = 3;
  Harness& h = make(c, 64);
  for (RequestId id = 1; id <= 4; ++id) h.sched.add_request(id, prompt(5, 1000 * static_cast<int32_t>(id)), sampling(6), 0);
  auto ids_of = [](const StepPlan& p) {
    std::vector<RequestId> ids;
    for (const auto& r : p.new_requests) ids.push_back(r.id);
    for (const auto& r : p.cached_requests) ids.push_back(r.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  StepPlan p1 = h.plan();
  StepPlan p2 = h.plan();
  EXPECT_EQ(ids_of(p1), (std::vector<RequestId>{1, 2}));
  EXPECT_EQ(ids_of(p2), (std::vector<RequestId>{3, 4}));
  EXPECT_FALSE(h.sched.schedule().has_value()) << "every sequence is in flight";
  for (int step = 0; step < 4; ++step) {
    h.complete();
    StepPlan next = h.plan();
    EXPECT_EQ(ids_of(next), step % 2 == 0 ? (std::vector<RequestId>{1, 2}) : (std::vector<RequestId>{3, 4}))
        << "step " << step;
    EXPECT_EQ(h.sched.stats().num_plans_in_flight, 2);
  }
  while (!h.in_flight.empty()) {
    h.complete();
    if (auto p = h.sched.schedule()) h.in_flight.push_back(*p);
  }
  for (RequestId id = 1; id <= 4; ++id) EXPECT_EQ(h.outputs[id].size(), 6u) << "request " << id;
}

TEST_F(SchedulerTest, MalformedResultsAreRejectedWholeAndNamed) {
  Harness& h = make(config(), 16);
  h.sched.add_request(1, prompt(4, 1000), sampling(3), 0);
  h.sched.add_request(2, prompt(4, 2000), sampling(3), 0);
  StepResult none;
  EXPECT_THROW(h.sched.update_from_result(none), Error) << "no plan in flight";
  StepPlan p = h.plan();
  const StepResult good = h.workers.run(p);
  ASSERT_EQ(good.tokens.size(), 2u);

  auto expect_reject = [&](StepResult r, const std::string& needle) {
    try {
      h.sched.update_from_result(std::move(r));
      ADD_FAILURE() << "accepted a result that should fail with '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  StepResult missing = good;
  missing.tokens.pop_back();
  expect_reject(missing, "missing the sampled token");
  StepResult stranger = good;
  stranger.tokens.push_back({77, 5, 0.0f, {}});
  expect_reject(stranger, "not in this step");
  StepResult twice = good;
  twice.tokens.push_back(good.tokens[0]);
  expect_reject(twice, "two tokens");
  StepResult failed = good;
  failed.error = "CUDA out of memory on rank 3";
  expect_reject(failed, "CUDA out of memory on rank 3");

  // Nothing was applied by the rejected results: the good one still goes through.
  h.in_flight.clear();
  const auto updates = h.sched.update_from_result(good);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0].num_output_tokens, 1);
}

TEST_F(SchedulerTest, RequestsThatCanNeverFitAreRejected) {
  SchedulerConfig c = config(4, 64);
  c.max_model_len = 40;
  Harness& h = make(c, /*num_blocks=*/8);  // 32 tokens of KV
  EXPECT_THROW(h.sched.add_request(1, prompt(30, 1000), sampling(3), 0), Error) << "33 tokens need 9 blocks";
  EXPECT_THROW(h.sched.add_request(2, prompt(35, 1000), sampling(6), 0), Error) << "41 > max_model_len 40";
  EXPECT_THROW(h.sched.add_request(3, {}, sampling(3), 0), Error);
  h.sched.add_request(4, prompt(30, 1000), sampling(2), 0);  // exactly the whole cache
  EXPECT_THROW(h.sched.add_request(4, prompt(3, 1000), sampling(2), 0), Error) << "id in use";
  h.drain();
  EXPECT_EQ(h.outputs[4].size(), 2u);
  EXPECT_EQ(h.finish[4], FinishReason::kLength);
}

}  // namespace
}  // namespace llmc::test
