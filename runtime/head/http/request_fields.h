// Field-level helpers shared by the API parsers: the JSON body, typed optional fields (wrong type -> 400
// naming the field), the `model` check, sampling parameters, unsupported options, unknown-field logging, and
// the max_tokens default and context-length check.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/head/generation_request.h"
#include "runtime/head/http/generation_job.h"
#include "runtime/head/http/served_model.h"

namespace llmc::http_api {

using nlohmann::json;

// Parses a request body that must be a JSON object; 400 otherwise.
json parse_json_object(const std::string& body);

bool has(const json& body, const char* key);  // present and not null
std::optional<bool> get_bool(const json& body, const char* key);
std::optional<int64_t> get_int(const json& body, const char* key);
std::optional<std::string> get_string(const json& body, const char* key);

// The served name to report; 404 when `model` names another model, 400 when it is not a string.
std::string check_model(const json& body, const ServedModel& model);

// Sampling fields through sampling_params_from_json (400 on a wrong type), plus skip_special_tokens and
// priority onto the request. Options the engine cannot honour (best_of != n, logit_bias, beam search,
// prompt_logprobs, guided decoding, suffix) are refused with 400 rather than silently ignored.
GenerationRequest read_generation_request(const json& body, const ServedModel& model);

// Logs (one line per request) the fields not in `known`, which are otherwise ignored.
void log_unknown_fields(const json& body, std::initializer_list<std::string_view> known,
                        std::string_view api);

// stream, stream_options.include_usage (only with stream), n.
void read_stream_options(const json& body, GenerationJob& job);

// Applies the max_tokens default where the request gave none (completions: 16, chat: whatever room the
// context leaves; both capped by generation_config's max_new_tokens) and refuses prompt + max_tokens beyond
// max_model_len with 400 (code context_length_exceeded). `prompt_field` names the input in the message.
void finish_max_tokens(GenerationRequest& request, const json& body, ApiKind kind, const ServedModel& model,
                       const char* prompt_field);

// truncate_prompt_tokens: keep only the last k prompt tokens (vLLM's semantics).
void truncate_prompt(GenerationRequest& request, const json& body);

// "cmpl-<32 hex>" etc.; `request_id` (the X-Request-Id header) replaces the random part when given.
std::string make_response_id(const std::string& prefix, std::string_view request_id);
int64_t unix_now();

// Tokenizer or 400 ("this model serves token-id prompts only").
const Tokenizer& require_tokenizer(const ServedModel& model);

}  // namespace llmc::http_api
