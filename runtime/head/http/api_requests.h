// Parsing and validation of the generation APIs' request bodies into GenerationJobs. Every problem is an
// ApiError (400 with the field named, 404 for an unknown model); nothing is submitted here.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/head/http/generation_job.h"
#include "runtime/head/http/served_model.h"
#include "runtime/head/request_schema.h"

namespace llmc::http_api {

// `request_id`: the X-Request-Id header (may be empty).
GenerationJob parse_completion_request(const nlohmann::json& body, const ServedModel& model,
                                       std::string_view request_id);
// `ordered` is the same body parsed keeping key order (messages, tools and chat_template_kwargs reach the
// template in the client's order).
GenerationJob parse_chat_request(const nlohmann::json& body, const nlohmann::ordered_json& ordered,
                                 const ServedModel& model, std::string_view request_id);
// vLLM's /generate: {"prompt": "...", "stream": bool, ...sampling fields}.
GenerationJob parse_generate_request(const nlohmann::json& body, const ServedModel& model);
// Vertex AI: {"instances": [...], "parameters": {...}}; an instance is a prompt string or an object with
// "prompt" or "messages" plus sampling fields, which override "parameters".
GenerationJob parse_predict_request(const nlohmann::json& body, const ServedModel& model);

// A chat prompt rendered with the model's template and tokenized. Reads messages, add_generation_prompt,
// continue_final_message, chat_template_kwargs, tools, documents, add_special_tokens (default false).
struct ChatPrompt {
  std::string text;
  std::vector<int32_t> token_ids;
  std::string final_message;  // content of the last message (for echo)
  std::string final_role;     // role of the last message
};
// `body` is checked for the caller's endpoint (chat, tokenize, a prediction instance).
// `prompt_suffix` is appended to the rendered text before tokenizing (a forced tool call's opening marker).
ChatPrompt render_chat_prompt(const CheckedBody& body, const nlohmann::ordered_json& ordered,
                              const ServedModel& model, std::string_view prompt_suffix = {});
// The rendered text alone (no tokenizer needed); the Jinja oracle renders through it.
std::string render_chat_text(const CheckedBody& body, const nlohmann::ordered_json& ordered,
                             const ServedModel& model);

}  // namespace llmc::http_api
