#include "runtime/head/scheduler_config.h"

#include "common/check.h"

namespace llmc {

void SchedulerConfig::validate() const {
  LLMC_CHECK(block_size > 0) << "SchedulerConfig: block_size must be positive, got " << block_size;
  LLMC_CHECK(max_num_batched_tokens > 0)
      << "SchedulerConfig: max_num_batched_tokens must be positive, got " << max_num_batched_tokens;
  LLMC_CHECK(max_num_seqs > 0) << "SchedulerConfig: max_num_seqs must be positive, got " << max_num_seqs;
  LLMC_CHECK(max_model_len > 0) << "SchedulerConfig: max_model_len must be positive, got " << max_model_len;
  LLMC_CHECK(long_prefill_token_threshold >= 0)
      << "SchedulerConfig: long_prefill_token_threshold must be >= 0 (0 disables), got "
      << long_prefill_token_threshold;
  LLMC_CHECK(max_plans_in_flight >= 1)
      << "SchedulerConfig: max_plans_in_flight must be >= 1, got " << max_plans_in_flight;
  // Without chunking a prompt (or a resumed prompt + output) must fit one step, or it could never run.
  LLMC_CHECK(enable_chunked_prefill || max_num_batched_tokens >= max_model_len)
      << "SchedulerConfig: with chunked prefill disabled, max_num_batched_tokens (" << max_num_batched_tokens
      << ") must be >= max_model_len (" << max_model_len << ")";
}

}  // namespace llmc
