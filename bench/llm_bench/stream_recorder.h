// Turns one streamed response into a RequestOutput with vLLM's rules (vllm/benchmarks/lib/
// endpoint_request_func.py), so TTFT, ITL and E2EL mean what they mean in `vllm bench serve`:
//  - every SSE message whose JSON has a non-empty "choices" is one "chunk": the first sets ttft, each later
//  one
//    appends (now - previous chunk) to itl, and latency is the last chunk's time; a chunk may carry several
//    tokens, so itl has one entry per chunk, not per token;
//  - "usage" (sent because the request asks for stream_options.include_usage) gives the token counts;
//  - "[DONE]" ends the stream.
// Stricter than vLLM, so no failure passes as a success: an "error" message, a stream that ends before
// "[DONE]", one with no chunk at all, or a message that is not JSON fails the request.
#pragma once

#include <string>
#include <string_view>

#include "bench/llm_bench/request_output.h"

namespace llmc::bench {

enum class ApiKind { kCompletions, kChat };

class StreamRecorder {
 public:
  // start_time: when the request was sent (seconds, the run's clock); prompt_len: the dataset's count, kept
  // when the server reports no usage.
  StreamRecorder(ApiKind kind, double start_time, int64_t prompt_len, int64_t expected_output_len);

  // One SSE message's data (see SseSplitter), received at `now`.
  void on_message(std::string_view data, double now);
  // The transport failed (timeout, reset, HTTP error): the request fails with this reason.
  void fail(std::string reason, int http_status = 0);
  // The response body ended; returns the finished record.
  RequestOutput finish();

  bool done() const { return done_; }

 private:
  ApiKind kind_;
  RequestOutput out_;
  bool first_chunk_ = false;
  bool done_ = false;
  double last_chunk_time_;
};

}  // namespace llmc::bench
