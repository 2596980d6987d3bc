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
  StepResult result;
  result.step_id = plan.step_id;
  if (scheduled.empty()) return result;
  const ForwardBatch batch = states_.build_batch(scheduled);
  Tensor hidden_in;
  if (!shard_.first_stage()) {
    hidden_in = backend_.empty(ScalarType::kF32, {batch.num_tokens(), model_.hidden_size()});
    pipeline_->recv(hidden_in, shard_.pp_rank - 1);
  }
  StageOutput out = model_.forward(batch, hidden_in, cache_);
  RequestStates::mark_computed(scheduled);
  if (!shard_.last_stage()) {
    pipeline_->send(out.hidden, shard_.pp_rank + 1);
    return result;
  }
  if (!samples_) return result;
  return sample(plan, scheduled, out.logits);
}

StepResult StepRunner::sample(const StepPlan& plan, const std::vector<ScheduledRequest>& scheduled,
                              std::vector<float>& logits) {
  StepResult result;
  result.step_id = plan.step_id;
  const size_t rows = logits.empty() ? 0 : static_cast<size_t>(std::count_if(
      scheduled.begin(), scheduled.end(), [](const ScheduledRequest& s) { return s.samples; }));
  if (rows == 0) return result;
  const size_t vocab = logits.size() / rows;
  std::vector<SamplerInput> inputs;
  std::vector<RequestId> ids;
  for (const ScheduledRequest& s : scheduled) {
    if (!s.samples) continue;
    const WorkerRequest& r = *s.request;
    SamplerInput in;
    in.logits = std::span<float>(logits.data() + inputs.size() * vocab, vocab);
    in.prompt_ids = std::span<const int32_t>(r.tokens.data(), r.num_prompt_tokens);
    in.output_ids = std::span<const int32_t>(r.tokens.data() + r.num_prompt_tokens,
                                             r.tokens.size() - r.num_prompt_tokens);
    in.params = &r.sampling;
    inputs.push_back(in);
    ids.push_back(r.id);
  }
  std::vector<SampleOutput> outs = sample_batch(inputs);
  for (size_t i = 0; i < outs.size(); ++i) {
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
