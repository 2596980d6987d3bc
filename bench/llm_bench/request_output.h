// One benchmark request as the client saw it: the timeline (times in seconds) and what the server reported.
// Filled by StreamRecorder; read by the metrics, the table and the result file. Field meanings follow vLLM's
// RequestFuncOutput so that the result file's per-request lists mean the same thing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::bench {

struct RequestOutput {
  bool success = false;
  std::string error;  // why it failed (HTTP status and message, timeout, refused connection, ...)
  int http_status = 0;
  double start_time = 0.0;         // when it was sent, seconds since the run began
  double client_queue_time = 0.0;  // how long it waited for a --max-concurrency slot before that
  double ttft = 0.0;               // first chunk carrying a choice, from start_time
  std::vector<double> itl;         // gaps between consecutive chunks carrying a choice (one per chunk)
  double latency = 0.0;            // last chunk carrying a choice, from start_time (vLLM's e2el)
  int64_t prompt_len = 0;          // usage.prompt_tokens (the dataset's count until usage arrives)
  int64_t output_tokens = 0;       // usage.completion_tokens
  int64_t cached_tokens = 0;       // usage.prompt_tokens_details.cached_tokens
  bool usage_seen = false;
  int64_t expected_output_len = 0;  // the max_tokens it asked for
  std::string generated_text;
};

}  // namespace llmc::bench
