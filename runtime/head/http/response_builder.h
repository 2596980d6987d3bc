// Turns the engine's RequestOutputs for one GenerationJob into the API's reply: SSE events while streaming
// (OpenAI's chunk objects, `data: [DONE]`), newline-delimited JSON for /generate, or one JSON body at the
// end.
//
// Owned by one HTTP exchange and used on its strand only (not thread-safe). Choice index of a sequence is
// prompt_index * n + sequence index, as vLLM numbers them.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"
#include "runtime/head/http/generation_job.h"
#include "runtime/head/http/http_types.h"
#include "runtime/head/request_output.h"
#include "runtime/head/tools/chat_output_parser.h"

namespace llmc::http_api {

class ResponseBuilder {
 public:
  // Response objects keep OpenAI's field order (id, object, created, model, choices, usage).
  using json = nlohmann::ordered_json;

  // `tokenizer` turns logprob token ids into strings; null: "token_id:<id>".
  ResponseBuilder(const GenerationJob& job, const Tokenizer* tokenizer);

  // Streaming: the events to send as soon as the response starts (chat: the role of every choice).
  std::string stream_head();
  // Takes one output of the engine request of prompt `prompt_index`; returns what to stream now (empty when
  // not streaming or nothing new).
  std::string add(size_t prompt_index, const RequestOutput& output);
  // Every prompt has delivered its last output.
  bool finished() const { return num_finished_ == prompts_.size(); }
  // Streaming, after finished(): the usage chunk (include_usage), an error event if the engine failed, and
  // `data: [DONE]`.
  std::string stream_tail();
  // Not streaming, after finished(): 200 with the JSON body, or 503 when the engine failed the request.
  HttpResponse final_response() const;

  const GenerationJob& job() const { return job_; }

 private:
  struct Choice {
    std::string text;
    int32_t num_tokens = 0;
    std::vector<TokenLogprobs> logprobs;
    size_t text_offset = 0;  // code points of the token strings so far (completions' text_offset)
    FinishReason finish = FinishReason::kNone;
    json stop_reason;      // null, an int (stop token id) or a string (stop string)
    bool started = false;  // streamed anything yet (echo goes first)
    // Chat with reasoning or tool calls to read (job.output): the choice's parser and what it has read so far.
    std::shared_ptr<tools::ChatOutputParser> parser;
    tools::ParsedOutput parsed;
  };
  struct PromptState {
    int32_t num_prompt_tokens = 0;
    int32_t num_cached_tokens = 0;
    bool finished = false;
  };

  std::string stream_delta(size_t choice_index, const SequenceDelta& d, const tools::OutputDelta& parsed);
  json parsed_delta(const tools::OutputDelta& parsed) const;
  json chat_message(size_t choice_index) const;
  // OpenAI's finish_reason: "tool_calls" when a choice that called tools stopped by itself.
  json finish_reason_of(const Choice& c) const;
  std::string chat_chunk(size_t index, json delta, json logprobs, const Choice& c, bool final) const;
  std::string completion_chunk(size_t index, std::string text, json logprobs, const Choice& c,
                               bool final) const;
  json chunk_envelope(const char* object) const;
  json logprobs_json(const std::vector<TokenLogprobs>& tokens, size_t& text_offset) const;
  json usage() const;
  json completion_body() const;
  json chat_body() const;
  std::string generate_line() const;
  std::string full_text(size_t choice_index) const;  // echo / prompt included as the API wants

  GenerationJob job_;
  const Tokenizer* tokenizer_;
  std::vector<Choice> choices_;  // by choice index
  std::vector<PromptState> prompts_;
  std::vector<size_t> first_choice_;  // per prompt: index of its first choice
  size_t num_finished_ = 0;
  std::string error_;  // the engine's error, when it failed a request
};

// "data: <json>\n\n"
std::string sse_event(const nlohmann::json& payload);
// Dumps JSON for the wire: invalid UTF-8 is replaced, never thrown; NaN/Infinity become null.
std::string to_wire(const nlohmann::json& value);

}  // namespace llmc::http_api
