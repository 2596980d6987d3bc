#include "runtime/head/engine_config.h"

#include "common/check.h"

namespace llmc {

void EngineConfig::validate() const {
  scheduler.validate();
  LLMC_CHECK(max_num_queued_requests > 0)
      << "EngineConfig: max_num_queued_requests must be positive, got " << max_num_queued_requests;
  // Smaller, and a valid prompt could be refused forever as "overloaded".
  LLMC_CHECK(max_num_queued_tokens >= scheduler.max_model_len)
      << "EngineConfig: max_num_queued_tokens (" << max_num_queued_tokens << ") must be >= max_model_len ("
      << scheduler.max_model_len << ")";
  LLMC_CHECK(max_logprobs >= 0) << "EngineConfig: max_logprobs must be >= 0, got " << max_logprobs;
  LLMC_CHECK(step_timeout.count() > 0) << "EngineConfig: step_timeout must be positive";
}

}  // namespace llmc
