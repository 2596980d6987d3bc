#include "runtime/worker/request_states.h"

#include "common/check.h"

namespace llmc {
namespace {

void check_schedule(const WorkerRequest& r, int32_t scheduled, int64_t block_size) {
  LLMC_CHECK(scheduled > 0) << "plan schedules " << scheduled << " tokens for request " << r.id;
  const int64_t end = static_cast<int64_t>(r.num_computed_tokens) + scheduled;
  LLMC_CHECK(end <= static_cast<int64_t>(r.tokens.size()))
      << "plan schedules request " << r.id << " up to token " << end << " but only " << r.tokens.size()
      << " tokens are known";
  LLMC_CHECK(static_cast<int64_t>(r.block_table.size()) * block_size >= end)
      << "request " << r.id << " has " << r.block_table.size() << " blocks, too few for " << end << " tokens";
}

}  // namespace

std::vector<ScheduledRequest> RequestStates::apply(const StepPlan& plan) {
  LLMC_CHECK(!seen_step_ || plan.step_id == last_step_id_ + 1)
      << "step plan " << plan.step_id << " arrived after step " << last_step_id_ << " (lost or reordered plan)";
  seen_step_ = true;
  last_step_id_ = plan.step_id;
  for (RequestId id : plan.finished_ids) requests_.erase(id);

  std::vector<ScheduledRequest> scheduled;
  for (const NewRequestPlan& n : plan.new_requests) {
    LLMC_CHECK(!requests_.contains(n.id)) << "plan adds request " << n.id << " which this worker already holds";
    LLMC_CHECK(n.num_prompt_tokens > 0 && n.num_prompt_tokens <= static_cast<int32_t>(n.token_ids.size()))
        << "request " << n.id << ": num_prompt_tokens " << n.num_prompt_tokens << " of " << n.token_ids.size()
        << " tokens";
    WorkerRequest r;
    r.id = n.id;
    r.tokens = n.token_ids;
    r.num_prompt_tokens = n.num_prompt_tokens;
    r.sampling = n.sampling;
    r.block_table = n.block_ids;
    r.num_computed_tokens = n.num_computed_tokens;
    check_schedule(r, n.num_scheduled_tokens, block_size_);
    WorkerRequest& stored = requests_[n.id] = std::move(r);
    scheduled.push_back({&stored, n.num_computed_tokens, n.num_scheduled_tokens, false});
  }
  for (const CachedRequestPlan& c : plan.cached_requests) {
    auto it = requests_.find(c.id);
    LLMC_CHECK(it != requests_.end()) << "plan continues request " << c.id << " which this worker does not hold";
    WorkerRequest& r = it->second;
    r.tokens.insert(r.tokens.end(), c.new_token_ids.begin(), c.new_token_ids.end());
    r.block_table.insert(r.block_table.end(), c.new_block_ids.begin(), c.new_block_ids.end());
    LLMC_CHECK(c.num_computed_tokens == r.num_computed_tokens)
        << "request " << c.id << ": the head counts " << c.num_computed_tokens << " computed tokens, this worker "
        << r.num_computed_tokens;
    check_schedule(r, c.num_scheduled_tokens, block_size_);
    scheduled.push_back({&r, r.num_computed_tokens, c.num_scheduled_tokens, false});
  }
  for (ScheduledRequest& s : scheduled) {
    s.samples = s.start + s.count == static_cast<int32_t>(s.request->tokens.size());
  }
  return scheduled;
}

void RequestStates::mark_computed(const std::vector<ScheduledRequest>& scheduled) {
  for (const ScheduledRequest& s : scheduled) s.request->num_computed_tokens = s.start + s.count;
}

ForwardBatch RequestStates::build_batch(const std::vector<ScheduledRequest>& scheduled) const {
  ForwardBatchBuilder builder(block_size_);
  for (const ScheduledRequest& s : scheduled) {
    builder.add_sequence(s.request->tokens.data() + s.start, s.count, s.start, s.request->block_table, s.samples);
  }
  return builder.finish();
}

const WorkerRequest* RequestStates::find(RequestId id) const {
  auto it = requests_.find(id);
  return it == requests_.end() ? nullptr : &it->second;
}

}  // namespace llmc
