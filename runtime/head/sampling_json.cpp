#include "runtime/head/sampling_json.h"

#include <nlohmann/json.hpp>

#include "runtime/head/generation_request.h"

namespace llmc {
namespace {

using nlohmann::json;

[[noreturn]] void type_error(const std::string& where, const char* key, const char* expected, const json& v) {
  throw SubmitError(SubmitError::Kind::kInvalidRequest,
                    where + ": '" + key + "' must be " + expected + ", got " + v.dump());
}

bool present(const json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

template <typename T>
void read_number(const json& body, const char* key, T& out, const std::string& where) {
  if (!present(body, key)) return;
  const json& v = body[key];
  if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) type_error(where, key, "an integer", v);
  } else {
    if (!v.is_number()) type_error(where, key, "a number", v);
  }
  out = v.get<T>();
}

void read_bool(const json& body, const char* key, bool& out, const std::string& where) {
  if (!present(body, key)) return;
  if (!body[key].is_boolean()) type_error(where, key, "true or false", body[key]);
  out = body[key].get<bool>();
}

void read_stop(const json& body, SamplingParams& p, const std::string& where) {
  if (!present(body, "stop")) return;
  const json& v = body["stop"];
  if (v.is_string()) {
    p.stop = {v.get<std::string>()};
    return;
  }
  if (!v.is_array()) type_error(where, "stop", "a string or a list of strings", v);
  for (const json& s : v) {
    if (!s.is_string()) type_error(where, "stop", "a string or a list of strings", v);
    p.stop.push_back(s.get<std::string>());
  }
}

void read_token_ids(const json& body, const char* key, std::vector<int32_t>& out, const std::string& where) {
  if (!present(body, key)) return;
  const json& v = body[key];
  if (!v.is_array()) type_error(where, key, "a list of token ids", v);
  for (const json& t : v) {
    if (!t.is_number_integer()) type_error(where, key, "a list of token ids", v);
    out.push_back(t.get<int32_t>());
  }
}

}  // namespace

SamplingParams sampling_params_from_json(const json& body, const GenerationConfig& defaults, const std::string& where) {
  if (!body.is_object()) type_error(where, "request", "a JSON object", body);
  SamplingParams p;
  if (defaults.temperature) p.temperature = *defaults.temperature;
  if (defaults.top_p) p.top_p = *defaults.top_p;
  if (defaults.top_k) p.top_k = *defaults.top_k;
  if (defaults.min_p) p.min_p = *defaults.min_p;
  if (defaults.repetition_penalty) p.repetition_penalty = *defaults.repetition_penalty;
  read_number(body, "temperature", p.temperature, where);
  read_number(body, "top_p", p.top_p, where);
  read_number(body, "top_k", p.top_k, where);
  read_number(body, "min_p", p.min_p, where);
  read_number(body, "repetition_penalty", p.repetition_penalty, where);
  read_number(body, "presence_penalty", p.presence_penalty, where);
  read_number(body, "frequency_penalty", p.frequency_penalty, where);
  if (present(body, "seed")) {
    if (!body["seed"].is_number_integer()) type_error(where, "seed", "an integer", body["seed"]);
    p.seed = body["seed"].is_number_unsigned() ? body["seed"].get<uint64_t>()
                                               : static_cast<uint64_t>(body["seed"].get<int64_t>());
    p.user_seeded = true;
  }
  if (present(body, "logprobs")) {
    // The completions API takes a count; chat takes a boolean plus top_logprobs.
    const json& v = body["logprobs"];
    if (v.is_boolean()) {
      p.logprobs = v.get<bool>() ? 0 : -1;
      if (v.get<bool>()) read_number(body, "top_logprobs", p.logprobs, where);
    } else {
      read_number(body, "logprobs", p.logprobs, where);
    }
  }
  read_number(body, "max_tokens", p.max_tokens, where);
  read_number(body, "max_completion_tokens", p.max_tokens, where);
  read_number(body, "min_tokens", p.min_tokens, where);
  read_bool(body, "ignore_eos", p.ignore_eos, where);
  read_bool(body, "include_stop_str_in_output", p.include_stop_str_in_output, where);
  read_number(body, "n", p.n, where);
  read_stop(body, p, where);
  read_token_ids(body, "stop_token_ids", p.stop_token_ids, where);
  return p;
}

}  // namespace llmc
