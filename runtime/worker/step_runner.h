// Executes step plans on one rank: apply the plan to the request states, run this pipeline stage (receiving
// hidden states from the previous stage, sending them to the next), and on the last stage sample.
// Deterministic: the same plans give the same results on every run and every rank layout.
#pragma once

#include "engine/backend/backend.h"
#include "engine/backend/communicator.h"
#include "engine/model/causal_lm.h"
#include "engine/model/decode_graphs.h"
#include "runtime/worker/constrained_sampling.h"
#include "runtime/worker/request_states.h"

namespace llmc {

class StepRunner {
 public:
  // `pipeline` links the stages (rank i of it is stage i, all with this rank's tensor rank); null with one stage.
  // `samples`: this rank turns logits into tokens (the last stage's tensor rank 0).
  StepRunner(CausalLM& model, KvCache& cache, Backend& backend, const ShardSpec& shard, Communicator* pipeline,
             bool samples);

  // The step's sampled tokens (only on the sampling rank; other ranks return an empty token list).
  // Throws llmc::Error on a protocol violation or a failed computation.
  StepResult run(const StepPlan& plan);

  const RequestStates& states() const { return states_; }
  // Decode-only steps that fit replay these graphs from now on (null: every step eagerly).
  void use_decode_graphs(std::unique_ptr<DecodeGraphs> graphs) { graphs_ = std::move(graphs); }
  // On the sampling rank: token masks for requests with a constraint (null: such requests fail their step).
  void use_constrained_sampling(std::unique_ptr<ConstrainedSampling> c) { constrained_ = std::move(c); }
  // After the worker's warm-up steps: the head's first plan starts the step sequence afresh.
  void restart_step_sequence() { states_.restart_step_sequence(); }

 private:
  StepResult sample(const StepPlan& plan, const std::vector<ScheduledRequest>& scheduled, Tensor& logits);

  CausalLM& model_;
  KvCache& cache_;
  Backend& backend_;
  ShardSpec shard_;
  Communicator* pipeline_;
  bool samples_;
  RequestStates states_;
  std::unique_ptr<DecodeGraphs> graphs_;
  std::unique_ptr<ConstrainedSampling> constrained_;
};

}  // namespace llmc
