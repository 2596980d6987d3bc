// Rendering a chat request's messages with the model's chat template, as transformers' apply_chat_template
// renders them: the variables of chat_template_variables (messages, add_generation_prompt, the special
// tokens, chat_template_kwargs) plus `tools` (the list of tool dicts, as transformers passes it) and
// `documents`.
//
// Tool calls round trip: an assistant message's tool_calls reach the template with their "arguments" parsed
// into objects (what tool-use templates expect, and what vLLM hands them). Templates disagree on the rest, so
// when a template fails (other than by raise_exception) the conversation is rendered again with the arguments
// as sent, then also with null contents as "" (a template testing `'x' in message.content`); the first
// reading that renders is used. The Jinja oracle (tests/unit/chat_oracle) renders the same readings with
// Python jinja2.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/head/http/served_model.h"

namespace llmc::http_api {

// `messages`: as read from the request (content parts already joined). `tools` / `documents`: null when not
// given. Throws ApiError 400 (param "messages") when the template rejects or fails on the conversation, and
// when the model has no chat template.
std::string render_chat_messages(const ServedModel& model, const nlohmann::ordered_json& messages,
                                 bool add_generation_prompt, const nlohmann::ordered_json& kwargs,
                                 const nlohmann::ordered_json& tools,
                                 const nlohmann::ordered_json& documents);

}  // namespace llmc::http_api
