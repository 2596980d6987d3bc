// Scheduler: applying step results and ending sequences.
#include <algorithm>

#include "common/check.h"
#include "runtime/head/scheduler.h"

namespace llmc {

std::vector<SeqUpdate> Scheduler::update_from_result(StepResult result) {
  LLMC_CHECK(!in_flight_.empty()) << "Scheduler: result for step " << result.step_id
                                  << " arrived but no plan is in flight";
  InFlightStep& step = in_flight_.front();
  LLMC_CHECK(result.step_id == step.step_id) << "Scheduler: result for step " << result.step_id
                                             << ", expected step " << step.step_id
                                             << " (results come back in plan order)";
  LLMC_CHECK(result.error.empty()) << "Scheduler: step " << step.step_id << " failed: " << result.error;

  // Match every token to its sequence before changing anything, so a bad result is rejected whole.
  auto reject = [&](RequestId id, const char* why) {
    for (Sequence* s : step.seqs) s->result_index = -1;
    LLMC_FAIL() << "Scheduler: step " << step.step_id << " result: " << why << " (request " << id << ")";
  };
  for (size_t i = 0; i < result.tokens.size(); ++i) {
    const RequestId id = result.tokens[i].id;
    const auto it = seqs_.find(id);
    Sequence* s = it == seqs_.end() ? nullptr : it->second.get();
    const char* why = nullptr;
    if (s == nullptr || !s->in_flight || s->plan_step != step.step_id) {
      why = "token for a request not in this step";
    } else if (!s->expects_token) {
      why = "token for a request whose chunk does not reach its last token";
    } else if (s->result_index >= 0) {
      why = "two tokens for one request";
    }
    if (why != nullptr) reject(id, why);
    s->result_index = static_cast<int32_t>(i);
  }
  for (Sequence* s : step.seqs) {
    if (s->expects_token && s->result_index < 0) reject(s->id, "missing the sampled token");
  }

  std::vector<SeqUpdate> updates;
  updates.reserve(result.tokens.size());
  for (Sequence* s : step.seqs) {
    const int32_t index = s->result_index;
    s->result_index = -1;
    s->in_flight = false;
    s->num_inflight_tokens = 0;
    kv_.commit(s->blocks, s->token_ids, s->num_computed_tokens);
    if (s->status == SeqStatus::kFinished) {
      release(*s);  // ended while in flight (aborted): its token is dropped, its blocks are safe to reuse now
      continue;
    }
    if (s->expects_token) apply_token(*s, result.tokens[index], updates);
  }
  in_flight_.pop_front();
  return updates;
}

void Scheduler::apply_token(Sequence& s, SampledToken& token, std::vector<SeqUpdate>& updates) {
  s.token_ids.push_back(token.token_id);
  const TokenStop stop = check_token_stop(s.sampling, config_.eos_token_ids, token.token_id,
                                          s.num_output_tokens(), s.num_tokens(), config_.max_model_len);
  SeqUpdate& u = updates.emplace_back();
  u.id = s.id;
  u.request_id = s.request_id;
  u.child_index = s.child_index;
  u.token_id = token.token_id;
  u.logprob = token.logprob;
  u.top_logprobs = std::move(token.top_logprobs);
  u.num_output_tokens = s.num_output_tokens();
  u.finish_reason = stop.reason;
  u.stop_token_id = stop.stop_token_id;
  if (stop.reason != FinishReason::kNone) {
    s.stop_token_id = stop.stop_token_id;
    end(s, stop.reason);
  }
}

void Scheduler::finish_sequence(RequestId seq_id, FinishReason reason) {
  const auto it = seqs_.find(seq_id);
  if (it == seqs_.end()) return;  // already gone: finishing is idempotent
  end(*it->second, reason);
}

void Scheduler::end(Sequence& s, FinishReason reason) {
  if (s.status == SeqStatus::kFinished) return;
  if (s.status == SeqStatus::kWaiting) {
    waiting_.erase(&s);
    if (s.num_preemptions > 0) --num_preempted_waiting_;
  } else {
    --num_running_;
  }
  s.status = SeqStatus::kFinished;
  s.finish_reason = reason;
  if (s.workers_have_state) pending_finished_.push_back(s.id);
  // A sequence in an in-flight plan keeps its blocks until that plan returns: workers may still write them.
  if (!s.in_flight) release(s);
}

void Scheduler::release(Sequence& s) {
  kv_.free(s.blocks);
  retired_.push_back(s.id);
}

void Scheduler::finish_all(FinishReason reason) {
  for (auto& [id, seq] : seqs_) {
    Sequence& s = *seq;
    const bool was_in_flight = s.in_flight;
    s.in_flight = false;
    if (s.status != SeqStatus::kFinished) {
      end(s, reason);
    } else if (was_in_flight) {
      release(s);
    }
  }
  in_flight_.clear();
  compact();
}

const Sequence* Scheduler::find(RequestId seq_id) const {
  const auto it = seqs_.find(seq_id);
  return it == seqs_.end() ? nullptr : it->second.get();
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats st;
  st.num_running = num_running_;
  st.num_waiting = static_cast<int32_t>(waiting_.size());
  st.num_preempted_waiting = num_preempted_waiting_;
  st.num_plans_in_flight = static_cast<int32_t>(in_flight_.size());
  st.kv_usage = kv_.pool().usage();
  st.prefix_cache_queries = prefix_queries_;
  st.prefix_cache_hits = prefix_hits_;
  st.num_preemptions = num_preemptions_;
  return st;
}

}  // namespace llmc
