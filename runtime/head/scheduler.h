// Continuous-batching scheduler over the paged KV cache: turns waiting and running sequences into one StepPlan
// per step and applies each StepResult.
//
// Per step: running sequences first (decodes and unfinished prefill chunks, in priority/arrival order), then
// waiting ones (new, or preempted and resuming) while the token budget, max_num_seqs and KV blocks allow.
// When a running sequence needs a block and none is free, the running sequence that comes last in that order
// (lowest priority / latest arrival, never one already picked or in flight) is preempted by recompute: its
// blocks are freed, it returns to the waiting queue in its arrival position (ahead of later arrivals), and it
// resumes as a NewRequestPlan carrying prompt + generated tokens. A sequence in an in-flight plan is never
// scheduled again before that plan's result has been applied; results must be applied in plan order.
// With max_plans_in_flight = P > 1 (pipeline parallel), a plan takes at most ceil(runnable / P) sequences, so
// the P plans in flight split the batch and every stage has work.
// Workers apply a plan's finished_ids before its new_requests (a preempted id can resume in the next plan).
// Single-threaded: the engine loop thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "runtime/comm/step_plan.h"
#include "runtime/head/kv_cache_manager.h"
#include "runtime/head/scheduler_config.h"
#include "runtime/head/sequence.h"

namespace llmc {

// One sampled token applied to a sequence.
struct SeqUpdate {
  RequestId id = 0;
  RequestId request_id = 0;
  int32_t child_index = 0;
  int32_t token_id = 0;
  float logprob = 0.0f;
  std::vector<TokenLogprob> top_logprobs;
  int32_t num_output_tokens = 0;  // counting this token
  FinishReason finish_reason = FinishReason::kNone;  // set when a token-level stop ended it
  std::optional<int32_t> stop_token_id;
};

struct ScheduleEvents {
  std::vector<RequestId> admitted;   // sequences scheduled for the very first time
  std::vector<RequestId> preempted;
};

struct SchedulerStats {
  int32_t num_running = 0;
  int32_t num_waiting = 0;
  int32_t num_preempted_waiting = 0;  // waiting sequences that were preempted
  int32_t num_plans_in_flight = 0;
  double kv_usage = 0.0;
  uint64_t prefix_cache_queries = 0;  // tokens looked up
  uint64_t prefix_cache_hits = 0;     // tokens served from cache
  uint64_t num_preemptions = 0;
};

class Scheduler {
 public:
  Scheduler(SchedulerConfig config, int32_t num_blocks);

  // Queues a request's sequences (ids id .. id + n - 1). Throws llmc::Error when it can never fit.
  void add_request(RequestId id, std::vector<int32_t> prompt, const SamplingParams& sampling, int32_t priority);
  // The next plan, or nullopt when nothing can run now (or max_plans_in_flight plans are outstanding).
  std::optional<StepPlan> schedule();
  const ScheduleEvents& last_events() const { return events_; }
  // Applies the result of the oldest in-flight plan; returns the tokens appended, in plan order. Throws
  // llmc::Error on a protocol mismatch (wrong step, missing or unexpected token, non-empty error).
  std::vector<SeqUpdate> update_from_result(StepResult result);
  // Ends one sequence (stop string, abort). Blocks are freed now, or when its in-flight plan returns.
  void finish_sequence(RequestId seq_id, FinishReason reason);
  // Ends everything and frees every block, in flight or not: for an engine that will never get results back.
  void finish_all(FinishReason reason);

  const Sequence* find(RequestId seq_id) const;
  // Sequences not yet finished, or finished but still holding blocks of an in-flight plan.
  bool has_unfinished() const { return seqs_.size() > retired_.size(); }
  SchedulerStats stats() const;
  const KvCacheManager& kv() const { return kv_; }
  const SchedulerConfig& config() const { return config_; }

 private:
  struct Order {
    bool priority_first;
    bool operator()(const Sequence* a, const Sequence* b) const;
  };
  struct Picked {
    Sequence* seq;
    int32_t num_tokens;
    int32_t num_computed_before;
  };
  struct InFlightStep {
    uint64_t step_id;
    std::vector<Sequence*> seqs;
  };

  bool schedule_running(int32_t& budget);
  void schedule_waiting(int32_t& budget);
  int32_t chunk(const Sequence& s, int32_t num_tokens, int32_t budget) const;
  int32_t plan_sequence_cap() const;
  bool plan_has_room() const { return static_cast<int32_t>(picked_.size()) < plan_seq_cap_; }
  bool make_room(Sequence& s, size_t index, int32_t num_tokens);
  Sequence* pick_victim(size_t min_index);
  void preempt(Sequence& s);
  void pick(Sequence& s, int32_t num_tokens, int32_t& budget);
  bool blocked_on_leader(const Sequence& s) const;
  PrefixHit find_prefix(Sequence& s);
  StepPlan build_plan();
  void apply_token(Sequence& s, SampledToken& token, std::vector<SeqUpdate>& updates);
  void end(Sequence& s, FinishReason reason);
  void release(Sequence& s);
  void compact();

  SchedulerConfig config_;
  KvCacheManager kv_;
  Order order_;
  std::unordered_map<RequestId, std::unique_ptr<Sequence>> seqs_;
  std::vector<Sequence*> running_;  // sorted by order_; may hold non-running entries until compact()
  std::set<Sequence*, Order> waiting_;
  std::vector<RequestId> retired_;           // finished, blocks freed, erased at the next compact()
  std::vector<RequestId> pending_finished_;  // for the next plan's finished_ids
  std::vector<Picked> picked_;
  std::deque<InFlightStep> in_flight_;
  ScheduleEvents events_;
  uint64_t next_step_id_ = 1;
  uint64_t next_arrival_ = 0;
  uint64_t mark_ = 0;
  int32_t plan_seq_cap_ = 0;  // sequences one plan may take (schedule() sets it)
  int32_t num_running_ = 0;
  int32_t num_preempted_waiting_ = 0;
  uint64_t prefix_queries_ = 0;
  uint64_t prefix_hits_ = 0;
  uint64_t num_preemptions_ = 0;
};

}  // namespace llmc
