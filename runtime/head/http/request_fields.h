// Field-level helpers shared by the API parsers: the JSON body, the check of every field against the request
// field table (runtime/head/request_schema.h: wrong type or range -> 400 naming the field), the `model`
// check, sampling parameters, and the max_tokens default and context-length check.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "runtime/head/generation_request.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/generation_job.h"
#include "runtime/head/http/served_model.h"
#include "runtime/head/request_schema.h"

namespace llmc::http_api {

using nlohmann::json;

// Parses a request body that must be a JSON object; 400 otherwise (a number too large for a double: 400
// naming the field that holds it).
json parse_json_object(const std::string& body);

// `body` checked against the request field table for `endpoint` (400 naming the first bad field); fields the
// table does not know are logged, one line per request, and otherwise ignored.
CheckedBody check_fields(const json& body, Endpoint endpoint);

// The served name to report; 404 when `model` names another model.
std::string check_model(const CheckedBody& body, const ServedModel& model);

// Sampling fields (read_sampling_params), skip_special_tokens and priority onto the request; best_of must
// equal n (no hidden candidates are generated).
GenerationRequest read_generation_request(const CheckedBody& body, const ServedModel& model);

// stream, stream_options.include_usage (only with stream).
void read_stream_options(const CheckedBody& body, GenerationJob& job);

// Applies the max_tokens default where the request gave none (completions: 16, chat: whatever room the
// context leaves; both capped by generation_config's max_new_tokens) and refuses prompt + max_tokens beyond
// max_model_len with 400 (code context_length_exceeded). `prompt_field` names the input in the message.
void finish_max_tokens(GenerationRequest& request, const CheckedBody& body, ApiKind kind,
                       const ServedModel& model, const char* prompt_field);

// truncate_prompt_tokens: keep only the last k prompt tokens (vLLM's semantics).
void truncate_prompt(GenerationRequest& request, const CheckedBody& body);

// A FieldError (request_json.h) as the API's 400, with `param` naming the field.
ApiError field_error(const FieldError& e);

// "cmpl-<32 hex>" etc.; `request_id` (the X-Request-Id header) replaces the random part when given.
std::string make_response_id(const std::string& prefix, std::string_view request_id);
int64_t unix_now();

// Tokenizer or 400 ("this model serves token-id prompts only").
const Tokenizer& require_tokenizer(const ServedModel& model);

}  // namespace llmc::http_api
