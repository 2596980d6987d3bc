// Range checks for SamplingParams, shared by the head (request admission) and the sampler.
#include <cmath>

#include "common/check.h"
#include "engine/sampler/sampler.h"

namespace llmc {

void validate(const SamplingParams& p, int vocab_size) {
  LLMC_CHECK(vocab_size > 0) << "sampling: vocabulary size must be positive, got " << vocab_size;
  LLMC_CHECK(std::isfinite(p.temperature) && p.temperature >= 0.0f)
      << "sampling: temperature must be a finite number >= 0 (0 means greedy), got " << p.temperature;
  LLMC_CHECK(p.top_p > 0.0f && p.top_p <= 1.0f) << "sampling: top_p must be in (0, 1], got " << p.top_p;
  LLMC_CHECK(p.top_k >= -1) << "sampling: top_k must be -1 or 0 (disabled) or a positive count, got "
                            << p.top_k;
  LLMC_CHECK(p.min_p >= 0.0f && p.min_p <= 1.0f) << "sampling: min_p must be in [0, 1], got " << p.min_p;
  LLMC_CHECK(std::isfinite(p.repetition_penalty) && p.repetition_penalty > 0.0f)
      << "sampling: repetition_penalty must be a finite number > 0 (1 disables), got "
      << p.repetition_penalty;
  LLMC_CHECK(p.presence_penalty >= -2.0f && p.presence_penalty <= 2.0f)
      << "sampling: presence_penalty must be in [-2, 2], got " << p.presence_penalty;
  LLMC_CHECK(p.frequency_penalty >= -2.0f && p.frequency_penalty <= 2.0f)
      << "sampling: frequency_penalty must be in [-2, 2], got " << p.frequency_penalty;
  LLMC_CHECK(p.logprobs >= -1 && p.logprobs <= vocab_size)
      << "sampling: logprobs must be -1 (none) or a count in [0, " << vocab_size << "], got " << p.logprobs;
}

}  // namespace llmc
