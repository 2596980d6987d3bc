// Test double for the workers: applies StepPlans exactly as the protocol says and "samples" a deterministic
// function of (request id, position). It also simulates the KV cache slot by slot, so a prefix-cache hit that
// names the wrong KV, a block reused while another request still reads it, or a plan that disagrees with the
// workers' own bookkeeping fails the test (through gtest ADD_FAILURE), independently of the scheduler's code.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "runtime/comm/step_plan.h"

namespace llmc::test {

// The toy model's output: the token a request samples when its known tokens end at `position` (so the token
// lands at index `position`).
using Sampler = std::function<int32_t(RequestId id, int32_t position)>;

inline int32_t default_token(RequestId id, int32_t position) {
  return 100 + static_cast<int32_t>((id * 37 + static_cast<uint64_t>(position) * 11) % 97);
}

class FakeWorkers {
 public:
  FakeWorkers(int32_t num_blocks, int32_t block_size, Sampler sampler = default_token);

  StepResult run(const StepPlan& plan);

  struct Request {
    std::vector<int32_t> tokens;
    int32_t num_prompt_tokens = 0;
    std::vector<int32_t> blocks;
    int32_t num_computed = 0;
    SamplingParams sampling;
  };
  const std::unordered_map<RequestId, Request>& requests() const { return requests_; }

 private:
  struct Slot {
    int32_t token = -1;
    int32_t position = -1;
  };
  void apply(const StepPlan& plan);
  void compute(RequestId id, Request& r, int32_t num_computed, int32_t num_scheduled);
  void check_reads(RequestId id, const Request& r, int32_t upto);

  int32_t num_blocks_;
  int32_t block_size_;
  Sampler sampler_;
  std::vector<Slot> kv_;  // [num_blocks, block_size]
  std::unordered_map<RequestId, Request> requests_;
  uint64_t last_step_ = 0;
};

}  // namespace llmc::test
