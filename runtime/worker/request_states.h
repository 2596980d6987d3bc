// The worker's copy of every running request, kept in step with the head by applying each StepPlan.
//
// Invariants (checked; a violation is a protocol error naming the request): a new request is unknown, a
// cached one is known; a cached request's num_computed_tokens equals what this worker computed; scheduled
// tokens never run past the known tokens, and the block table covers them. Every worker applies the same
// plans in the same order, so all ranks hold identical states.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/model/forward_batch.h"
#include "runtime/comm/step_plan.h"

namespace llmc {

struct WorkerRequest {
  RequestId id = 0;
  std::vector<int32_t> tokens;  // prompt, then generated tokens as later plans deliver them
  int32_t num_prompt_tokens = 0;
  SamplingParams sampling;
  std::vector<int32_t> block_table;
  int32_t num_computed_tokens = 0;  // tokens whose KV this worker has written
};

// One request's part of a step.
struct ScheduledRequest {
  WorkerRequest* request = nullptr;
  int32_t start = 0;    // first position computed this step
  int32_t count = 0;    // tokens computed this step
  bool samples = false;  // the chunk reaches the last known token, so the step samples the next one
};

class RequestStates {
 public:
  explicit RequestStates(int64_t block_size) : block_size_(block_size) {}

  // Applies `plan` and returns what it schedules, in plan order (new requests first, then cached ones).
  std::vector<ScheduledRequest> apply(const StepPlan& plan);
  // Marks the scheduled tokens computed (after the forward pass ran).
  static void mark_computed(const std::vector<ScheduledRequest>& scheduled);
  // The forward pass inputs for `scheduled`.
  ForwardBatch build_batch(const std::vector<ScheduledRequest>& scheduled) const;

  size_t size() const { return requests_.size(); }
  const WorkerRequest* find(RequestId id) const;

  // The next plan starts a new step sequence (after the worker's own warm-up steps, before the head's first).
  void restart_step_sequence() { seen_step_ = false; }

 private:
  int64_t block_size_;
  uint64_t last_step_id_ = 0;
  bool seen_step_ = false;
  std::unordered_map<RequestId, WorkerRequest> requests_;
};

}  // namespace llmc
