// Configuration of the head's engine loop: the scheduler's knobs plus admission limits and plumbing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "runtime/head/scheduler_config.h"
#include "runtime/head/text_stream.h"

namespace llmc {

struct EngineConfig {
  SchedulerConfig scheduler;
  // Admission: submit() fails with SubmitError::kOverloaded beyond these (requests not yet scheduled once).
  int32_t max_num_queued_requests = 1024;
  int64_t max_num_queued_tokens = 4 * 1024 * 1024;  // prompt tokens of those requests
  int32_t max_logprobs = 20;   // SamplingParams::logprobs above this is rejected
  int32_t vocab_size = 0;      // > 0: prompt token ids are checked against it
  // A step whose result has not come back after this long is a fatal executor failure.
  std::chrono::milliseconds step_timeout{std::chrono::minutes(5)};
  TextStreamFactory text_streams;  // empty: no text output (token ids only; stop strings are rejected)
  std::optional<uint64_t> seed;    // base of the seeds drawn for unseeded requests; random when unset
  // Timestamps for the latency metrics; steady_clock::now when empty (tests inject a fake clock).
  std::function<std::chrono::steady_clock::time_point()> clock;

  // Throws llmc::Error naming the first bad field.
  void validate() const;
};

}  // namespace llmc
