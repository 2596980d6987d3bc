#include "runtime/head/http/request_fields.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "common/log.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/sampling_json.h"

namespace llmc::http_api {
namespace {

[[noreturn]] void wrong_type(const char* key, const char* expected, const json& value) {
  throw bad_request("'" + std::string(key) + "' must be " + expected + ", got " +
                        value.dump(-1, ' ', false, json::error_handler_t::replace),
                    key);
}

// sampling_json's messages read "request: 'top_p' must be ..."; the quoted name becomes the error's param.
std::string quoted_field(const std::string& message) {
  const size_t open = message.find('\'');
  const size_t close = open == std::string::npos ? open : message.find('\'', open + 1);
  return close == std::string::npos ? "" : message.substr(open + 1, close - open - 1);
}

void refuse_unsupported(const json& body, int32_t n) {
  if (has(body, "best_of")) {
    const auto best_of = get_int(body, "best_of");
    if (*best_of != n) throw bad_request("best_of different from n is not supported", "best_of");
  }
  if (get_bool(body, "use_beam_search").value_or(false)) {
    throw bad_request("beam search is not supported", "use_beam_search");
  }
  if (has(body, "logit_bias") && !(body["logit_bias"].is_object() && body["logit_bias"].empty())) {
    throw bad_request("logit_bias is not supported", "logit_bias");
  }
  for (const char* key : {"prompt_logprobs", "guided_json", "guided_regex", "guided_choice", "guided_grammar",
                          "structured_outputs", "suffix"}) {
    if (has(body, key)) throw bad_request(std::string(key) + " is not supported", key);
  }
  if (has(body, "response_format")) {
    const json& f = body["response_format"];
    if (!f.is_object() || f.value("type", json()) != "text") {
      throw bad_request("response_format other than {\"type\": \"text\"} is not supported",
                        "response_format");
    }
  }
}

}  // namespace

json parse_json_object(const std::string& body) {
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& e) {
    throw bad_request(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!parsed.is_object()) throw bad_request("the request body must be a JSON object");
  return parsed;
}

bool has(const json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && !it->is_null();
}

std::optional<bool> get_bool(const json& body, const char* key) {
  if (!has(body, key)) return std::nullopt;
  if (!body[key].is_boolean()) wrong_type(key, "true or false", body[key]);
  return body[key].get<bool>();
}

std::optional<int64_t> get_int(const json& body, const char* key) {
  if (!has(body, key)) return std::nullopt;
  const json& v = body[key];
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
    wrong_type(key, "an integer", v);
  }
  return v.get<int64_t>();
}

std::optional<std::string> get_string(const json& body, const char* key) {
  if (!has(body, key)) return std::nullopt;
  if (!body[key].is_string()) wrong_type(key, "a string", body[key]);
  return body[key].get<std::string>();
}

std::string check_model(const json& body, const ServedModel& model) {
  const auto name = get_string(body, "model");
  if (!name) return model.names.front();
  if (std::find(model.names.begin(), model.names.end(), *name) == model.names.end())
    throw model_not_found(*name);
  return *name;
}

GenerationRequest read_generation_request(const json& body, const ServedModel& model) {
  GenerationRequest r;
  try {
    r.sampling = sampling_params_from_json(body, model.generation, "request");
  } catch (const SubmitError& e) {
    throw bad_request(e.what(), quoted_field(e.what()));
  }
  if (const auto n = get_int(body, "n"); n && (*n < 1 || *n > 1024))
    throw bad_request("n must be in [1, 1024]", "n");
  refuse_unsupported(body, r.sampling.n);
  r.skip_special_tokens = get_bool(body, "skip_special_tokens").value_or(true);
  if (const auto priority = get_int(body, "priority")) {
    if (*priority < INT32_MIN || *priority > INT32_MAX)
      throw bad_request("priority is out of range", "priority");
    r.priority = static_cast<int32_t>(*priority);
  }
  return r;
}

void log_unknown_fields(const json& body, std::initializer_list<std::string_view> known,
                        std::string_view api) {
  std::string unknown;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
    unknown += (unknown.empty() ? "" : ", ") + it.key();
  }
  if (!unknown.empty()) spdlog::info("{}: ignoring unknown request field(s): {}", api, unknown);
}

void read_stream_options(const json& body, GenerationJob& job) {
  job.stream = get_bool(body, "stream").value_or(false);
  if (has(body, "stream_options")) {
    const json& o = body["stream_options"];
    if (!o.is_object()) wrong_type("stream_options", "an object", o);
    if (!job.stream)
      throw bad_request("stream_options can only be given when stream is true", "stream_options");
    job.include_usage = get_bool(o, "include_usage").value_or(false);
  }
}

void finish_max_tokens(GenerationRequest& request, const json& body, ApiKind kind, const ServedModel& model,
                       const char* prompt_field) {
  const int64_t prompt_len = static_cast<int64_t>(request.prompt_token_ids.size());
  const int64_t room = model.max_model_len - prompt_len;
  const bool given = has(body, "max_tokens") || has(body, "max_completion_tokens");
  if (!given) {
    int64_t fallback = kind == ApiKind::kChat ? room : 16;
    if (model.generation.max_new_tokens)
      fallback = std::min<int64_t>(fallback, *model.generation.max_new_tokens);
    request.sampling.max_tokens = static_cast<int32_t>(std::max<int64_t>(1, std::min(fallback, room)));
  }
  const int64_t total = prompt_len + request.sampling.max_tokens;
  if (room <= 0 || (request.sampling.max_tokens > 0 && total > model.max_model_len)) {
    throw bad_request("This model's maximum context length is " + std::to_string(model.max_model_len) +
                          " tokens. However, you requested " + std::to_string(total) + " tokens (" +
                          std::to_string(prompt_len) + " in the " + prompt_field + ", " +
                          std::to_string(request.sampling.max_tokens) +
                          " in the completion). Please reduce the length of the " + prompt_field +
                          " or completion.",
                      given ? "max_tokens" : prompt_field, "context_length_exceeded");
  }
}

void truncate_prompt(GenerationRequest& request, const json& body) {
  const auto keep = get_int(body, "truncate_prompt_tokens");
  if (!keep) return;
  if (*keep < 1) throw bad_request("truncate_prompt_tokens must be at least 1", "truncate_prompt_tokens");
  auto& ids = request.prompt_token_ids;
  if (static_cast<int64_t>(ids.size()) > *keep) ids.erase(ids.begin(), ids.end() - *keep);
}

std::string make_response_id(const std::string& prefix, std::string_view request_id) {
  if (!request_id.empty()) return prefix + std::string(request_id);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = prefix;
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const Tokenizer& require_tokenizer(const ServedModel& model) {
  if (!model.tokenizer) throw bad_request("this server has no tokenizer: only token-id prompts are accepted");
  return *model.tokenizer;
}

}  // namespace llmc::http_api
