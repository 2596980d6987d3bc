// Knobs of the head's scheduler (names and defaults follow vLLM's SchedulerConfig where one exists).
#pragma once

#include <cstdint>
#include <vector>

namespace llmc {

enum class SchedulingPolicy {
  kFcfs,      // arrival order
  kPriority,  // lower priority value first, then arrival order
};

struct SchedulerConfig {
  int32_t block_size = 16;                 // tokens per KV block (the workers' cache layout)
  int32_t max_num_batched_tokens = 2048;   // token budget of one step
  int32_t max_num_seqs = 256;              // running sequences at most
  int32_t max_model_len = 4096;            // prompt + output tokens of one sequence at most
  bool enable_chunked_prefill = true;      // split prompts across steps, mixed with decodes
  int32_t long_prefill_token_threshold = 0;  // > 0: at most this many prompt tokens of one sequence per step
  bool enable_prefix_caching = true;
  SchedulingPolicy policy = SchedulingPolicy::kFcfs;
  int32_t max_plans_in_flight = 1;         // the pipeline-parallel size: plans submitted but not yet returned
  std::vector<int32_t> eos_token_ids;      // from the model's generation_config (a list)

  // Throws llmc::Error naming the first bad field.
  void validate() const;
};

}  // namespace llmc
