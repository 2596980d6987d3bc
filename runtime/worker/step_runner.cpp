#include "runtime/worker/step_runner.h"

#include <algorithm>
#include <span>

#include "common/check.h"
#include "engine/sampler/sampler.h"

namespace llmc {

StepRunner::StepRunner(CausalLM& model, KvCache& cache, Backend& backend, const ShardSpec& shard,
                       Communicator* pipeline, bool samples)
    : model_(model), cache_(cache), backend_(backend), shard_(shard), pipeline_(pipeline), samples_(samples),
      states_(cache.shape().block_size) {
  LLMC_CHECK(shard.pp_size == 1 || pipeline != nullptr) << "a pipeline of " << shard.pp_size
                                                        << " stages needs a pipeline communicator";
}

StepResult StepRunner::run(const StepPlan& plan) {
  std::vector<ScheduledRequest> scheduled = states_.apply(plan);
  if (constrained_) constrained_->apply(plan, states_);
  StepResult result;
  result.step_id = plan.step_id;
  if (scheduled.empty()) return result;
  const ForwardBatch batch = states_.build_batch(scheduled);
  // Every activation of the previous step is dead: the received hidden states and the model's tensors reuse
  // the workspace.
  backend_.reset_scratch();
  Tensor hidden_in;
  if (!shard_.first_stage()) {
    hidden_in = backend_.scratch(backend_.activation_type(), {batch.num_tokens(), model_.hidden_size()});
    pipeline_->recv(hidden_in, shard_.pp_rank - 1);
  }
  StageOutput out = graphs_ != nullptr && graphs_->fits(batch) ? graphs_->run(batch)
                                                              : model_.forward(batch, hidden_in, cache_);
  RequestStates::mark_computed(scheduled);
  if (!shard_.last_stage()) {
    pipeline_->send(out.hidden, shard_.pp_rank + 1);
    return result;
  }
  if (!samples_) return result;
  return sample(plan, scheduled, out.logits);
}

StepResult StepRunner::sample(const StepPlan& plan, const std::vector<ScheduledRequest>& scheduled, Tensor& logits) {
  StepResult result;
  result.step_id = plan.step_id;
  std::vector<SampleRow> rows;
  std::vector<RequestId> ids;
  for (const ScheduledRequest& s : scheduled) {
    if (!s.samples) continue;
    const WorkerRequest& r = *s.request;
    SampleRow row;
    row.params = &r.sampling;
    row.prompt_ids = std::span<const int32_t>(r.tokens.data(), r.num_prompt_tokens);
    row.output_ids = std::span<const int32_t>(r.tokens.data() + r.num_prompt_tokens,
                                              r.tokens.size() - r.num_prompt_tokens);
    if (r.sampling.constraint.active()) {
      // Built on the host while the device still runs this step's forward pass.
      LLMC_CHECK(constrained_ != nullptr) << "request " << r.id << " has a "
                                          << constraint_kind_name(r.sampling.constraint.kind)
                                          << " constraint but this worker has no constrained decoding";
      row.allowed = constrained_->mask(r.id);
    }
    rows.push_back(row);
    ids.push_back(r.id);
  }
  if (rows.empty()) return result;
  LLMC_CHECK(logits.defined() && logits.dim(0) == static_cast<int64_t>(rows.size()))
      << "the model returned " << (logits.defined() ? logits.dim(0) : 0) << " logit rows for " << rows.size()
      << " sampling sequences";
  std::vector<SampleOutput> outs = backend_.sample(logits, model_.vocab_size(), rows);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (!rows[i].allowed.empty()) constrained_->accept(ids[i], outs[i].token_id);
    SampledToken t;
    t.id = ids[i];
    t.token_id = outs[i].token_id;
    t.logprob = outs[i].logprob;
    for (const auto& [id, lp] : outs[i].top_logprobs) t.top_logprobs.push_back({id, lp});
    result.tokens.push_back(std::move(t));
  }
  return result;
}

}  // namespace llmc
