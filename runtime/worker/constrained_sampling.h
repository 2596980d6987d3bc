// Constrained decoding on the sampling rank (the last stage's tensor rank 0): one TokenMatcher per request
// whose SamplingParams carry a constraint, kept in step with the plans, a token mask per step for its row, and
// the sampled token fed back. The constraint arrives once, with the request's new-request plan; a request
// resumed after preemption (a new-request plan again) gets a fresh matcher that replays its generated tokens.
// Masks are built on the host while the device runs the step's forward pass, so the head is never involved.
//
// The vocabulary comes from the tokenizer in `tokenizer_dir`, loaded on the first constrained request (the
// head validates constraints at admission; one that still fails to compile here fails the step, naming it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/grammar/grammar_compiler.h"
#include "engine/grammar/token_matcher.h"
#include "runtime/comm/step_plan.h"
#include "runtime/worker/request_states.h"

namespace llmc {

class ConstrainedSampling {
 public:
  // `vocab_size`: the model's logit count; `eos_ids`: the ids that end generation (empty: the tokenizer's).
  ConstrainedSampling(std::filesystem::path tokenizer_dir, int32_t vocab_size, std::vector<int32_t> eos_ids);
  ~ConstrainedSampling();

  // Drops the matchers of finished requests and makes those of the plan's new constrained requests (after
  // `states` applied the plan). Throws llmc::Error for a constraint that does not compile or generated tokens
  // it does not accept.
  void apply(const StepPlan& plan, const RequestStates& states);
  // The request's mask for this step, or an empty span when it has no constraint. Valid until the next call.
  std::span<const uint32_t> mask(RequestId id);
  // Advances the request's matcher by its sampled token; throws when the constraint refuses it.
  void accept(RequestId id, int32_t token);
  size_t size() const { return matchers_.size(); }

 private:
  grammar::GrammarCompiler& compiler();

  struct Entry {
    std::unique_ptr<grammar::TokenMatcher> matcher;
    std::vector<uint32_t> mask;
  };
  std::filesystem::path tokenizer_dir_;
  int32_t vocab_size_;
  std::vector<int32_t> eos_ids_;
  std::unique_ptr<grammar::GrammarCompiler> compiler_;
  std::unordered_map<RequestId, Entry> matchers_;
};

}  // namespace llmc
