#include "tests/unit/head/fake_workers.h"

#include <gtest/gtest.h>

namespace llmc::test {

FakeWorkers::FakeWorkers(int32_t num_blocks, int32_t block_size, Sampler sampler)
    : num_blocks_(num_blocks),
      block_size_(block_size),
      sampler_(std::move(sampler)),
      kv_(static_cast<size_t>(num_blocks) * block_size) {}

void FakeWorkers::check_reads(RequestId id, const Request& r, int32_t upto) {
  for (int32_t p = 0; p < upto; ++p) {
    const auto bi = static_cast<size_t>(p / block_size_);
    ASSERT_LT(bi, r.blocks.size()) << "request " << id << ": no block for position " << p;
    const Slot& slot = kv_[static_cast<size_t>(r.blocks[bi]) * block_size_ + p % block_size_];
    ASSERT_TRUE(slot.token == r.tokens[static_cast<size_t>(p)] && slot.position == p)
        << "request " << id << " reads wrong KV at position " << p << " (block " << r.blocks[bi] << "): holds token "
        << slot.token << "@" << slot.position << ", expected " << r.tokens[static_cast<size_t>(p)] << "@" << p;
  }
}

void FakeWorkers::apply(const StepPlan& plan) {
  EXPECT_GT(plan.step_id, last_step_) << "step ids must increase";
  last_step_ = plan.step_id;
  for (const RequestId id : plan.finished_ids) {
    EXPECT_TRUE(requests_.contains(id)) << "finished_ids names request " << id << " the workers do not hold";
    requests_.erase(id);
  }
  for (const NewRequestPlan& n : plan.new_requests) {
    EXPECT_FALSE(requests_.contains(n.id)) << "new request " << n.id << " is already held";
    Request& r = requests_[n.id];
    r.tokens = n.token_ids;
    r.num_prompt_tokens = n.num_prompt_tokens;
    r.blocks = n.block_ids;
    r.num_computed = n.num_computed_tokens;
    r.sampling = n.sampling;
    check_reads(n.id, r, r.num_computed);  // prefix-cache hits must hold exactly these tokens
  }
  for (const CachedRequestPlan& c : plan.cached_requests) {
    auto it = requests_.find(c.id);
    ASSERT_NE(it, requests_.end()) << "cached request " << c.id << " is not held";
    Request& r = it->second;
    r.tokens.insert(r.tokens.end(), c.new_token_ids.begin(), c.new_token_ids.end());
    r.blocks.insert(r.blocks.end(), c.new_block_ids.begin(), c.new_block_ids.end());
    EXPECT_EQ(c.num_computed_tokens, r.num_computed) << "request " << c.id << ": head and workers disagree";
  }
}

void FakeWorkers::compute(RequestId id, Request& r, int32_t num_computed, int32_t num_scheduled) {
  ASSERT_GT(num_scheduled, 0) << "request " << id << " scheduled with no tokens";
  ASSERT_LE(num_computed + num_scheduled, static_cast<int32_t>(r.tokens.size()))
      << "request " << id << " scheduled past its known tokens";
  for (int32_t p = num_computed; p < num_computed + num_scheduled; ++p) {
    const auto bi = static_cast<size_t>(p / block_size_);
    ASSERT_LT(bi, r.blocks.size()) << "request " << id << ": no block for position " << p;
    const int32_t block = r.blocks[bi];
    ASSERT_TRUE(block >= 0 && block < num_blocks_) << "block id " << block << " out of range";
    // Nobody else may still rely on this slot.
    for (const auto& [other_id, other] : requests_) {
      if (other_id == id) continue;
      for (size_t j = 0; j < other.blocks.size(); ++j) {
        const auto other_pos = static_cast<int32_t>(j) * block_size_ + p % block_size_;
        EXPECT_FALSE(other.blocks[j] == block && other_pos < other.num_computed)
            << "request " << id << " overwrites KV that request " << other_id << " still uses (block " << block
            << ")";
      }
    }
    kv_[static_cast<size_t>(block) * block_size_ + p % block_size_] = {r.tokens[static_cast<size_t>(p)], p};
  }
}

StepResult FakeWorkers::run(const StepPlan& plan) {
  apply(plan);
  StepResult result;
  result.step_id = plan.step_id;
  auto execute = [&](RequestId id, int32_t num_computed, int32_t num_scheduled) {
    Request& r = requests_.at(id);
    compute(id, r, num_computed, num_scheduled);
    r.num_computed = num_computed + num_scheduled;
    check_reads(id, r, r.num_computed);
    if (r.num_computed != static_cast<int32_t>(r.tokens.size())) return;
    SampledToken& t = result.tokens.emplace_back();
    t.id = id;
    t.token_id = sampler_(id, r.num_computed);
    t.logprob = -0.25f * static_cast<float>(r.num_computed % 4);
    for (int32_t k = 0; k < r.sampling.logprobs; ++k) t.top_logprobs.push_back({t.token_id + k, -1.0f * k});
  };
  for (const NewRequestPlan& n : plan.new_requests) execute(n.id, n.num_computed_tokens, n.num_scheduled_tokens);
  for (const CachedRequestPlan& c : plan.cached_requests) {
    execute(c.id, c.num_computed_tokens, c.num_scheduled_tokens);
  }
  return result;
}

}  // namespace llmc::test
