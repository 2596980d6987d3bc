// Drives a Scheduler against FakeWorkers, step by step, and records what came out. Each test fixture built on
// it checks after the test that every block is free (or only cached) once all work has drained.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "runtime/head/scheduler.h"
#include "tests/unit/head/fake_workers.h"

namespace llmc::test {

inline SamplingParams sampling(int32_t max_tokens, int32_t n = 1) {
  SamplingParams s;
  s.max_tokens = max_tokens;
  s.n = n;
  s.seed = 1234;
  s.user_seeded = true;
  return s;
}

// Prompt tokens [base, base + len): distinct bases give prompts with nothing in common.
inline std::vector<int32_t> prompt(int32_t len, int32_t base = 1000) {
  std::vector<int32_t> p(static_cast<size_t>(len));
  for (int32_t i = 0; i < len; ++i) p[static_cast<size_t>(i)] = base + i;
  return p;
}

inline int32_t total_scheduled(const StepPlan& plan) {
  int32_t n = 0;
  for (const auto& r : plan.new_requests) n += r.num_scheduled_tokens;
  for (const auto& r : plan.cached_requests) n += r.num_scheduled_tokens;
  return n;
}

inline const NewRequestPlan* find_new(const StepPlan& plan, RequestId id) {
  for (const auto& r : plan.new_requests) if (r.id == id) return &r;
  return nullptr;
}

inline const CachedRequestPlan* find_cached(const StepPlan& plan, RequestId id) {
  for (const auto& r : plan.cached_requests) if (r.id == id) return &r;
  return nullptr;
}

// Tokens scheduled for `id` in `plan` (0 when absent).
inline int32_t scheduled(const StepPlan& plan, RequestId id) {
  if (const auto* r = find_new(plan, id)) return r->num_scheduled_tokens;
  if (const auto* r = find_cached(plan, id)) return r->num_scheduled_tokens;
  return 0;
}

struct Harness {
  Harness(SchedulerConfig config, int32_t num_blocks, Sampler sampler = default_token)
      : sched(config, num_blocks), workers(num_blocks, config.block_size, std::move(sampler)), num_blocks(num_blocks) {}

  // Plans one step (which must schedule something) and leaves it in flight.
  StepPlan plan() {
    auto p = sched.schedule();
    if (!p) {
      ADD_FAILURE() << "schedule() produced no plan";
      return {};
    }
    in_flight.push_back(*p);
    return *p;
  }
  // Runs the oldest in-flight plan on the fake workers and applies its result.
  std::vector<SeqUpdate> complete() {
    StepPlan p = in_flight.front();
    in_flight.pop_front();
    auto updates = sched.update_from_result(workers.run(p));
    for (const auto& u : updates) {
      outputs[u.id].push_back(u.token_id);
      if (u.finish_reason != FinishReason::kNone) finish[u.id] = u.finish_reason;
    }
    return updates;
  }
  StepPlan step() {
    StepPlan p = plan();
    complete();
    return p;
  }
  void drain(int max_steps = 10000) {
    while (!in_flight.empty()) complete();
    for (int i = 0; i < max_steps && sched.has_unfinished(); ++i) {
      auto p = sched.schedule();
      if (!p) break;
      in_flight.push_back(*p);
      complete();
    }
    EXPECT_FALSE(sched.has_unfinished()) << "work left after draining";
  }
  void expect_no_leak() const {
    EXPECT_EQ(sched.kv().pool().num_free_blocks(), num_blocks) << "blocks still referenced after all work ended";
    EXPECT_NO_THROW(sched.kv().pool().check_invariants());
  }

  Scheduler sched;
  FakeWorkers workers;
  int32_t num_blocks;
  std::deque<StepPlan> in_flight;
  std::map<RequestId, std::vector<int32_t>> outputs;
  std::map<RequestId, FinishReason> finish;
};

// Fixture: make() the harness; TearDown drains it and checks for leaked blocks.
class SchedulerTest : public ::testing::Test {
 protected:
  Harness& make(SchedulerConfig config, int32_t num_blocks, Sampler sampler = default_token) {
    h_ = std::make_unique<Harness>(std::move(config), num_blocks, std::move(sampler));
    return *h_;
  }
  void TearDown() override {
    if (!h_) return;
    h_->drain();
    h_->expect_no_leak();
  }
  static SchedulerConfig config(int32_t block_size = 4, int32_t budget = 64, int32_t max_seqs = 16) {
    SchedulerConfig c;
    c.block_size = block_size;
    c.max_num_batched_tokens = budget;
    c.max_num_seqs = max_seqs;
    c.max_model_len = 256;
    c.eos_token_ids = {1};
    return c;
  }

  std::unique_ptr<Harness> h_;
};

}  // namespace llmc::test
