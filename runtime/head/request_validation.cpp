#include "runtime/head/request_validation.h"

#include <sstream>

namespace llmc {
namespace {

// Collects a message and throws SubmitError(kInvalidRequest) when the full expression ends.
class Invalid {
 public:
  template <typename T>
  Invalid& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[noreturn]] ~Invalid() noexcept(false) {
    throw SubmitError(SubmitError::Kind::kInvalidRequest, stream_.str());
  }

 private:
  std::ostringstream stream_;
};

#define LLMC_REQUIRE(cond) \
  if (cond) {              \
  } else                   \
    Invalid()

void validate_sampling(const SamplingParams& s, const EngineConfig& config, bool can_detokenize) {
  LLMC_REQUIRE(s.n >= 1) << "n must be at least 1, got " << s.n;
  LLMC_REQUIRE(s.max_tokens >= 1) << "max_tokens must be at least 1, got " << s.max_tokens;
  LLMC_REQUIRE(s.min_tokens >= 0 && s.min_tokens <= s.max_tokens)
      << "min_tokens must be in [0, max_tokens = " << s.max_tokens << "], got " << s.min_tokens;
  LLMC_REQUIRE(s.temperature >= 0.0f) << "temperature must be >= 0, got " << s.temperature;
  LLMC_REQUIRE(s.top_p > 0.0f && s.top_p <= 1.0f) << "top_p must be in (0, 1], got " << s.top_p;
  LLMC_REQUIRE(s.top_k >= -1) << "top_k must be -1, 0 (disabled) or positive, got " << s.top_k;
  LLMC_REQUIRE(s.min_p >= 0.0f && s.min_p <= 1.0f) << "min_p must be in [0, 1], got " << s.min_p;
  LLMC_REQUIRE(s.repetition_penalty > 0.0f) << "repetition_penalty must be > 0, got " << s.repetition_penalty;
  LLMC_REQUIRE(s.presence_penalty >= -2.0f && s.presence_penalty <= 2.0f)
      << "presence_penalty must be in [-2, 2], got " << s.presence_penalty;
  LLMC_REQUIRE(s.frequency_penalty >= -2.0f && s.frequency_penalty <= 2.0f)
      << "frequency_penalty must be in [-2, 2], got " << s.frequency_penalty;
  LLMC_REQUIRE(s.logprobs >= -1 && s.logprobs <= config.max_logprobs)
      << "logprobs must be in [0, " << config.max_logprobs << "] (or absent), got " << s.logprobs;
  for (const std::string& stop : s.stop) LLMC_REQUIRE(!stop.empty()) << "stop strings must not be empty";
  LLMC_REQUIRE(s.stop.empty() || can_detokenize)
      << "stop strings need detokenized output (detokenize is off or no tokenizer is configured)";
}

}  // namespace

void validate_request(const GenerationRequest& request, const EngineConfig& config, bool can_detokenize,
                      int32_t num_blocks) {
  const SchedulerConfig& sc = config.scheduler;
  const auto prompt_len = static_cast<int64_t>(request.prompt_token_ids.size());
  LLMC_REQUIRE(prompt_len > 0) << "the prompt is empty";
  for (size_t i = 0; i < request.prompt_token_ids.size(); ++i) {
    const int32_t t = request.prompt_token_ids[i];
    LLMC_REQUIRE(t >= 0 && (config.vocab_size <= 0 || t < config.vocab_size))
        << "prompt token " << i << " is " << t << ", outside the vocabulary [0, " << config.vocab_size << ")";
  }
  validate_sampling(request.sampling, config, can_detokenize && request.detokenize);
  LLMC_REQUIRE(sc.policy == SchedulingPolicy::kPriority || request.priority == 0)
      << "priority " << request.priority << " given but the scheduling policy is FCFS";
  const int64_t total = prompt_len + request.sampling.max_tokens;
  LLMC_REQUIRE(total <= sc.max_model_len)
      << "this model's maximum context length is " << sc.max_model_len << " tokens, but " << total
      << " were requested (" << prompt_len << " in the prompt, " << request.sampling.max_tokens
      << " max_tokens)";
  const int64_t blocks = (total + sc.block_size - 1) / sc.block_size;
  LLMC_REQUIRE(blocks <= num_blocks) << "the request needs " << blocks << " KV-cache blocks for " << total
                                     << " tokens but the whole cache holds " << num_blocks << " blocks of "
                                     << sc.block_size << " tokens";
}

}  // namespace llmc
