// Drives one benchmark run: sends each request at its arrival time (arrival_schedule.h), holds it while
// --max-concurrency requests are in flight, records its stream (StreamRecorder) and returns every request's
// record, in dataset order. Nothing is dropped: a request that fails, is refused or is never sent has a
// record with its reason. When a request times out (the server stopped answering) the run ends: requests in
// flight are cancelled and the rest are recorded as not sent, and `stopped` says why.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/llm_bench/dataset.h"
#include "bench/llm_bench/http_stream_client.h"
#include "bench/llm_bench/request_output.h"
#include "bench/llm_bench/stream_recorder.h"

namespace llmc::bench {

struct RunConfig {
  ApiKind kind = ApiKind::kCompletions;
  std::string target;      // request path, e.g. /v1/completions
  std::string model_name;  // "model" in the body
  Headers headers;
  nlohmann::json extra_body = nlohmann::json::object();
  bool ignore_eos = false;
  double request_rate = 0;  // inf: all at once
  double burstiness = 1.0;
  std::optional<int64_t> max_concurrency;
  uint64_t seed = 0;
  bool progress = false;
};

struct RunResult {
  std::vector<RequestOutput> outputs;  // one per request, dataset order
  double duration_s = 0.0;             // first send to last completion
  std::string stopped;                 // non-empty: why the run ended early
};

// The JSON body of one request (streaming, with usage), as vLLM's request functions build it.
nlohmann::json request_body(const RunConfig& config, const SampleRequest& request);

RunResult run_benchmark(HttpStreamClient& client, const RunConfig& config,
                        std::span<const SampleRequest> requests);

}  // namespace llmc::bench
