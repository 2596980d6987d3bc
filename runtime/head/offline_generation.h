// Offline generation (`llm-cluster generate`): JSON Lines in, JSON Lines out in input order. Every request
// of the file goes through the engine loop together, batched through the paged cache as a server would.
//
// Input line: {"prompt_token_ids": [...]} or {"prompt": "..."} or {"messages": [...]}, plus sampling fields
// (max_tokens, temperature, top_p, top_k, min_p, seed, logprobs, ignore_eos, n, stop, ...).
// Output line: {"index", "prompt_token_ids", "token_ids", "text"?, "finish_reason", "logprobs"?, "outputs"?}
// where the top-level fields describe the first sequence and "outputs" lists all n when n > 1.
#pragma once

#include <functional>
#include <istream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/generation_config.h"
#include "runtime/head/engine_loop.h"

namespace llmc {

// Turns a line's text prompt or chat messages into token ids; throws llmc::Error when it cannot.
// Unset: only prompt_token_ids lines are accepted.
using PromptEncoder = std::function<std::vector<int32_t>(const nlohmann::json& line)>;

struct OfflineRequest {
  std::string where;  // "FILE line N", for messages
  GenerationRequest request;
};

// Parses every line first, so a bad line fails the run before anything is generated. Blank lines are skipped.
std::vector<OfflineRequest> parse_offline_requests(std::istream& in, const std::string& source,
                                                   const GenerationConfig& defaults, const PromptEncoder& encoder);

// Submits all requests, waits for all to finish (each bounded by the engine's step timeout) and returns one
// JSON object per request, in input order. A request that failed has "error". Every request is checked before
// any is submitted: one that could never run (for example a prompt longer than max_model_len) throws
// SubmitError naming its line. Files beyond the engine's queue bounds are fed in as the queue drains.
std::vector<nlohmann::json> run_offline(EngineLoop& engine, std::vector<OfflineRequest> requests);

}  // namespace llmc
