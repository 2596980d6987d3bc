// One sequence as the scheduler tracks it: a request with n = 1, or one of the n children of a request.
//
// Children of request R have RequestIds R, R+1, ..., R+n-1 (child 0 keeps the request's id) so the plan names
// each one; they share the prompt's full blocks (child 0 computes them first, the others take references).
// Owned by Scheduler; the engine loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/sampling_params.h"
#include "runtime/comm/step_plan.h"
#include "runtime/head/finish_reason.h"
#include "runtime/head/kv_cache_manager.h"

namespace llmc {

enum class SeqStatus { kWaiting, kRunning, kFinished };

struct Sequence {
  RequestId id = 0;
  RequestId request_id = 0;  // the user's request; == id - child_index
  int32_t child_index = 0;
  int32_t priority = 0;      // lower first (priority policy only)
  uint64_t arrival = 0;      // submission order; children of one request share it
  SamplingParams sampling;   // per child: its own derived seed

  std::vector<int32_t> token_ids;  // the prompt, then the sampled tokens
  int32_t num_prompt_tokens = 0;

  SeqStatus status = SeqStatus::kWaiting;
  bool in_flight = false;           // named in a plan whose result has not come back
  bool expects_token = false;       // that plan computes up to its last known token, so it samples one
  bool workers_have_state = false;  // sent as NewRequestPlan since it last started
  bool admitted_once = false;
  int32_t num_preemptions = 0;
  int32_t num_computed_tokens = 0;  // counting the in-flight chunk
  int32_t num_inflight_tokens = 0;  // the in-flight chunk (already counted above)
  int32_t num_tokens_sent = 0;      // prefix of token_ids the workers hold
  int32_t num_blocks_sent = 0;      // prefix of the block table the workers hold
  int32_t num_cached_prompt_tokens = 0;  // prompt tokens served by the prefix cache at first admission
  uint64_t schedule_mark = 0;       // Scheduler's schedule() call that last picked it
  uint64_t plan_step = 0;           // step_id of the plan that last named it
  int32_t result_index = -1;        // scratch while a StepResult is applied
  FinishReason finish_reason = FinishReason::kNone;
  std::optional<int32_t> stop_token_id;
  SeqBlocks blocks;

  int32_t num_tokens() const { return static_cast<int32_t>(token_ids.size()); }
  int32_t num_output_tokens() const { return num_tokens() - num_prompt_tokens; }
  int32_t num_committed_tokens() const { return num_computed_tokens - num_inflight_tokens; }
};

// Seed of child `index` of a request with n > 1: splitmix64(seed + (index + 1) * 0x9e3779b97f4a7c15).
// With n == 1 the request's own seed is used unchanged, so a seeded single completion is reproducible.
uint64_t derive_child_seed(uint64_t seed, int32_t index);

}  // namespace llmc
