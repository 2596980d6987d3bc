// Scheduler: admission, step planning and preemption. Applying results and ending sequences is in
// scheduler_update.cpp.
#include "runtime/head/scheduler.h"

#include <algorithm>

#include "common/check.h"

namespace llmc {

uint64_t derive_child_seed(uint64_t seed, int32_t index) {
  // One splitmix64 output from state seed + index * golden gamma.
  uint64_t z = seed + static_cast<uint64_t>(index + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

bool Scheduler::Order::operator()(const Sequence* a, const Sequence* b) const {
  if (priority_first && a->priority != b->priority) return a->priority < b->priority;
  if (a->arrival != b->arrival) return a->arrival < b->arrival;
  return a->child_index < b->child_index;
}

Scheduler::Scheduler(SchedulerConfig config, int32_t num_blocks)
    : config_((config.validate(), std::move(config))),
      kv_(num_blocks, config_.block_size, config_.enable_prefix_caching),
      order_{config_.policy == SchedulingPolicy::kPriority},
      waiting_(order_) {}

void Scheduler::add_request(RequestId id, std::vector<int32_t> prompt, const SamplingParams& sampling,
                            int32_t priority) {
  const auto prompt_len = static_cast<int64_t>(prompt.size());
  LLMC_CHECK(prompt_len > 0) << "Scheduler::add_request: request " << id << " has an empty prompt";
  LLMC_CHECK(sampling.n >= 1 && sampling.max_tokens >= 1)
      << "Scheduler::add_request: request " << id << " needs n >= 1 and max_tokens >= 1, got n = " << sampling.n
      << ", max_tokens = " << sampling.max_tokens;
  const int64_t total = prompt_len + sampling.max_tokens;
  LLMC_CHECK(total <= config_.max_model_len)
      << "Scheduler::add_request: request " << id << " needs " << total << " tokens, max_model_len is "
      << config_.max_model_len;
  LLMC_CHECK(kv_.blocks_for(static_cast<int32_t>(total)) <= kv_.pool().num_blocks())
      << "Scheduler::add_request: request " << id << " needs " << kv_.blocks_for(static_cast<int32_t>(total))
      << " KV blocks, the cache has " << kv_.pool().num_blocks();
  for (int32_t i = 0; i < sampling.n; ++i) {
    LLMC_CHECK(!seqs_.contains(id + i)) << "Scheduler::add_request: sequence id " << id + i << " is in use";
  }
  const uint64_t arrival = next_arrival_++;
  for (int32_t i = 0; i < sampling.n; ++i) {
    auto s = std::make_unique<Sequence>();
    s->id = id + i;
    s->request_id = id;
    s->child_index = i;
    s->priority = priority;
    s->arrival = arrival;
    s->sampling = sampling;
    s->sampling.n = 1;  // each child is one sequence to the workers
    if (sampling.n > 1) s->sampling.seed = derive_child_seed(sampling.seed, i);
    s->token_ids = i + 1 == sampling.n ? std::move(prompt) : prompt;
    s->num_prompt_tokens = static_cast<int32_t>(prompt_len);
    waiting_.insert(s.get());
    seqs_.emplace(s->id, std::move(s));
  }
}

std::optional<StepPlan> Scheduler::schedule() {
  events_.admitted.clear();
  events_.preempted.clear();
  if (static_cast<int32_t>(in_flight_.size()) >= config_.max_plans_in_flight) return std::nullopt;
  compact();
  ++mark_;
  picked_.clear();
  int32_t budget = config_.max_num_batched_tokens;
  plan_seq_cap_ = plan_sequence_cap();
  // As vLLM: a step that had to preempt admits nobody new, or the victim's blocks would go straight to them.
  if (!schedule_running(budget)) schedule_waiting(budget);
  if (picked_.empty()) return std::nullopt;
  return build_plan();
}

int32_t Scheduler::plan_sequence_cap() const {
  // With P pipeline stages, P plans can be in flight. If the first plan took every sequence, the others
  // would have nothing to carry and P - 1 stages would idle on every step; a sequence is never in two plans at
  // once. So each plan takes at most 1/P of the sequences that can run, and the groups formed this way persist:
  // when a plan returns, its own sequences are the ones free to run in the next.
  if (config_.max_plans_in_flight <= 1) return config_.max_num_seqs;
  const int64_t active =
      std::min<int64_t>(num_running_ + static_cast<int64_t>(waiting_.size()), config_.max_num_seqs);
  const int64_t p = config_.max_plans_in_flight;
  return static_cast<int32_t>(std::max<int64_t>(1, (active + p - 1) / p));
}

int32_t Scheduler::chunk(const Sequence& s, int32_t num_tokens, int32_t budget) const {
  if (config_.enable_chunked_prefill && config_.long_prefill_token_threshold > 0) {
    num_tokens = std::min(num_tokens, config_.long_prefill_token_threshold);
  }
  return std::min(num_tokens, budget);
}

bool Scheduler::schedule_running(int32_t& budget) {
  const uint64_t preemptions_before = num_preemptions_;
  for (size_t i = 0; i < running_.size() && budget > 0 && plan_has_room(); ++i) {
    Sequence& s = *running_[i];
    if (s.status != SeqStatus::kRunning || s.in_flight) continue;
    const int32_t remaining = s.num_tokens() - s.num_computed_tokens;
    LLMC_CHECK(remaining > 0) << "Scheduler: running sequence " << s.id << " has no token to compute";
    const int32_t n = chunk(s, remaining, budget);
    if (make_room(s, i, s.num_computed_tokens + n)) pick(s, n, budget);
  }
  return num_preemptions_ != preemptions_before;
}

bool Scheduler::make_room(Sequence& s, size_t index, int32_t num_tokens) {
  while (!kv_.allocate(s.blocks, num_tokens)) {
    Sequence* victim = pick_victim(index);
    if (victim == nullptr) return false;  // only in-flight or already picked sequences hold blocks: wait
    preempt(*victim);
    if (victim == &s) return false;
  }
  return true;
}

Sequence* Scheduler::pick_victim(size_t min_index) {
  // running_ is in scheduling order, so the last eligible entry is the lowest priority / latest arrival.
  for (size_t j = running_.size(); j-- > min_index;) {
    Sequence* v = running_[j];
    if (v->status == SeqStatus::kRunning && !v->in_flight && v->schedule_mark != mark_) return v;
  }
  return nullptr;
}

void Scheduler::preempt(Sequence& s) {
  kv_.free(s.blocks);
  s.status = SeqStatus::kWaiting;
  --num_running_;
  s.num_computed_tokens = 0;
  s.num_inflight_tokens = 0;
  if (s.workers_have_state) pending_finished_.push_back(s.id);
  s.workers_have_state = false;
  s.num_tokens_sent = 0;
  s.num_blocks_sent = 0;
  ++s.num_preemptions;
  ++num_preemptions_;
  ++num_preempted_waiting_;
  waiting_.insert(&s);
  events_.preempted.push_back(s.id);
}

bool Scheduler::blocked_on_leader(const Sequence& s) const {
  // A child waits until child 0 has computed the prompt's full blocks, then shares them instead of
  // computing them again.
  if (s.child_index == 0 || s.admitted_once) return false;
  const int32_t shareable = (s.num_prompt_tokens - 1) / config_.block_size * config_.block_size;
  if (shareable == 0) return false;
  const auto it = seqs_.find(s.request_id);
  if (it == seqs_.end() || it->second->status == SeqStatus::kFinished) return false;
  return it->second->num_committed_tokens() < shareable;
}

PrefixHit Scheduler::find_prefix(Sequence& s) {
  PrefixHit hit = kv_.find_cached_prefix(s.blocks, s.token_ids);
  if (s.child_index == 0) return hit;
  // Without prefix caching (or after an eviction) the children still share child 0's prompt blocks.
  const int32_t shareable = (s.num_prompt_tokens - 1) / config_.block_size * config_.block_size;
  const auto it = seqs_.find(s.request_id);
  if (shareable <= hit.num_tokens || it == seqs_.end()) return hit;
  const Sequence& leader = *it->second;
  if (leader.status == SeqStatus::kFinished || leader.num_committed_tokens() < shareable) return hit;
  const int32_t blocks = shareable / config_.block_size;
  hit.block_ids.assign(leader.blocks.block_ids.begin(), leader.blocks.block_ids.begin() + blocks);
  hit.num_tokens = shareable;
  return hit;
}

void Scheduler::schedule_waiting(int32_t& budget) {
  for (auto it = waiting_.begin();
       it != waiting_.end() && budget > 0 && num_running_ < config_.max_num_seqs && plan_has_room();) {
    Sequence& s = **it;
    if (blocked_on_leader(s)) {
      ++it;
      continue;
    }
    PrefixHit hit = find_prefix(s);
    const int32_t remaining = s.num_tokens() - hit.num_tokens;
    if (!config_.enable_chunked_prefill && remaining > budget) break;
    const int32_t n = chunk(s, remaining, budget);
    // Head-of-line: a request that does not fit now is not overtaken by later ones.
    if (!kv_.allocate(s.blocks, hit.num_tokens + n, &hit)) break;
    it = waiting_.erase(it);
    if (config_.enable_prefix_caching) {
      prefix_queries_ += static_cast<uint64_t>(s.num_tokens());
      prefix_hits_ += static_cast<uint64_t>(hit.num_tokens);
    }
    if (s.num_preemptions > 0) --num_preempted_waiting_;
    if (!s.admitted_once) {
      s.admitted_once = true;
      s.num_cached_prompt_tokens = std::min(hit.num_tokens, s.num_prompt_tokens);
      events_.admitted.push_back(s.id);
    }
    s.status = SeqStatus::kRunning;
    ++num_running_;
    s.num_computed_tokens = hit.num_tokens;
    running_.insert(std::upper_bound(running_.begin(), running_.end(), &s, order_), &s);
    pick(s, n, budget);
  }
}

void Scheduler::pick(Sequence& s, int32_t num_tokens, int32_t& budget) {
  s.schedule_mark = mark_;
  picked_.push_back({&s, num_tokens, s.num_computed_tokens});
  s.num_computed_tokens += num_tokens;
  s.num_inflight_tokens = num_tokens;
  s.in_flight = true;
  s.expects_token = s.num_computed_tokens == s.num_tokens();
  budget -= num_tokens;
}

StepPlan Scheduler::build_plan() {
  StepPlan plan;
  plan.step_id = next_step_id_++;
  plan.finished_ids.swap(pending_finished_);
  InFlightStep step{plan.step_id, {}};
  step.seqs.reserve(picked_.size());
  size_t num_new = 0;
  for (const Picked& p : picked_) num_new += p.seq->workers_have_state ? 0 : 1;
  plan.new_requests.reserve(num_new);
  plan.cached_requests.reserve(picked_.size() - num_new);
  for (const Picked& p : picked_) {
    Sequence& s = *p.seq;
    s.plan_step = plan.step_id;
    step.seqs.push_back(&s);
    if (!s.workers_have_state) {
      NewRequestPlan& r = plan.new_requests.emplace_back();
      r.id = s.id;
      r.token_ids = s.token_ids;
      r.num_prompt_tokens = s.num_prompt_tokens;
      r.sampling = s.sampling;
      r.block_ids = s.blocks.block_ids;
      r.num_computed_tokens = p.num_computed_before;
      r.num_scheduled_tokens = p.num_tokens;
      s.workers_have_state = true;
    } else {
      CachedRequestPlan& r = plan.cached_requests.emplace_back();
      r.id = s.id;
      r.new_token_ids.assign(s.token_ids.begin() + s.num_tokens_sent, s.token_ids.end());
      r.new_block_ids.assign(s.blocks.block_ids.begin() + s.num_blocks_sent, s.blocks.block_ids.end());
      r.num_computed_tokens = p.num_computed_before;
      r.num_scheduled_tokens = p.num_tokens;
    }
    s.num_tokens_sent = s.num_tokens();
    s.num_blocks_sent = static_cast<int32_t>(s.blocks.block_ids.size());
  }
  in_flight_.push_back(std::move(step));
  return plan;
}

void Scheduler::compact() {
  std::erase_if(running_, [](const Sequence* s) { return s->status != SeqStatus::kRunning; });
  for (const RequestId id : retired_) seqs_.erase(id);
  retired_.clear();
}

}  // namespace llmc
