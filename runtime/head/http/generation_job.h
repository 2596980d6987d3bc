// A parsed generation request of any of the APIs: the engine requests to submit (one per prompt, each with
// n sequences) and how to shape the reply. Built by the request parsers, consumed by the response builders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/head/generation_request.h"
#include "runtime/head/tools/chat_output_parser.h"

namespace llmc::http_api {

enum class ApiKind {
  kCompletion,  // /v1/completions
  kChat,        // /v1/chat/completions
  kGenerate,    // vLLM's /generate
  kPredict,     // Vertex AI prediction
};

struct GenerationJob {
  ApiKind kind = ApiKind::kCompletion;
  std::string id;                           // "cmpl-...", "chatcmpl-..."
  int64_t created = 0;                      // unix seconds
  std::string model;                        // the served name reported back
  std::vector<GenerationRequest> requests;  // one per prompt (choice index = prompt * n + sequence)
  std::vector<std::string> prompt_texts;    // per prompt: the prompt as text (echo, /generate)
  int32_t n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool echo = false;
  int32_t logprobs = -1;    // -1: none; else the number of alternatives per token
  std::string echo_prefix;  // chat echo: the final assistant message's content, prepended
  tools::ChatOutputOptions output;  // chat: reasoning and tool calls to read out of each choice's text
};

}  // namespace llmc::http_api
