#include "runtime/head/http/request_fields.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "common/log.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/sampling_json.h"

namespace llmc::http_api {

ApiError field_error(const FieldError& e) { return bad_request(e.what(), e.field()); }

json parse_json_object(const std::string& body) {
  json parsed;
  try {
    parsed = parse_request_json(body);
  } catch (const FieldError& e) {
    throw field_error(e);
  }
  if (!parsed.is_object()) throw bad_request("the request body must be a JSON object");
  return parsed;
}

CheckedBody check_fields(const json& body, Endpoint endpoint) {
  try {
    CheckedBody checked(body, endpoint);
    std::string unknown;
    for (const std::string& key : checked.unknown_fields()) unknown += (unknown.empty() ? "" : ", ") + key;
    if (!unknown.empty())
      spdlog::info("{}: ignoring unknown request field(s): {}", endpoint_name(endpoint), unknown);
    return checked;
  } catch (const FieldError& e) {
    throw field_error(e);
  }
}

std::string check_model(const CheckedBody& body, const ServedModel& model) {
  const auto name = body.get<std::string>("model");
  if (!name) return model.names.front();
  if (std::find(model.names.begin(), model.names.end(), *name) == model.names.end())
    throw model_not_found(*name);
  return *name;
}

GenerationRequest read_generation_request(const CheckedBody& body, const ServedModel& model) {
  GenerationRequest r;
  r.sampling = read_sampling_params(body, model.generation);
  if (const auto best_of = body.get<int32_t>("best_of"); best_of && *best_of != r.sampling.n)
    throw bad_request("best_of different from n is not supported", "best_of");
  r.skip_special_tokens = body.get<bool>("skip_special_tokens").value_or(true);
  r.priority = body.get<int32_t>("priority").value_or(0);
  return r;
}

void read_stream_options(const CheckedBody& body, GenerationJob& job) {
  job.stream = body.get<bool>("stream").value_or(false);
  if (const json* o = body.value("stream_options")) {
    if (!job.stream)
      throw bad_request("stream_options can only be given when stream is true", "stream_options");
    const auto usage = o->find("include_usage");
    if (usage != o->end() && !usage->is_null() && !usage->is_boolean())
      throw bad_request("'stream_options.include_usage' must be true or false", "stream_options");
    job.include_usage = usage != o->end() && usage->is_boolean() && usage->get<bool>();
  }
}

void finish_max_tokens(GenerationRequest& request, const CheckedBody& body, ApiKind kind,
                       const ServedModel& model, const char* prompt_field) {
  const int64_t prompt_len = static_cast<int64_t>(request.prompt_token_ids.size());
  const int64_t room = model.max_model_len - prompt_len;
  const bool given = body.has("max_tokens") || body.has("max_completion_tokens");
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

void truncate_prompt(GenerationRequest& request, const CheckedBody& body) {
  const auto keep = body.get<int64_t>("truncate_prompt_tokens");  // in [1, 2^31 - 1] (the table)
  if (!keep) return;
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
