// The request fields of every generation API in one table (request_field_table.cpp): for each field, the
// endpoints that take it, its JSON type and its real range, or why the engine refuses it. A body is checked
// against the table as a whole before anything reads it, and fields are read only through CheckedBody, whose
// getters convert through request_json.h and refuse (std::logic_error, a bug) a field missing from the table
// or a C++ type that cannot hold the field's whole range. So a new field is one table row: forgetting the row
// fails the first read, and no value can be narrowed past its checked range.
//
// Callers: the HTTP parsers (runtime/head/http), offline generation, sampling_json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/head/request_json.h"

namespace llmc {

enum class Endpoint : uint8_t {
  kCompletions,  // /v1/completions
  kChat,         // /v1/chat/completions
  kGenerate,     // vLLM's /generate
  kPredict,      // one Vertex AI instance merged with "parameters"
  kTokenize,     // /tokenize
  kDetokenize,   // /detokenize
  kOffline,      // an input line of `llm-cluster generate`
};
constexpr uint16_t endpoint_bit(Endpoint e) { return static_cast<uint16_t>(1u << static_cast<unsigned>(e)); }
const char* endpoint_name(Endpoint e);

enum class FieldType : uint8_t {
  kBool,
  kInteger,  // an integer in [int_min, int_max]
  kNumber,   // a number in [min, max] ((min, max] with min_open)
  kString,
  kFlagOrCount,  // true/false, or an integer in [int_min, int_max] (logprobs where both API styles are taken)
  kStrings,      // a string or a list of strings (stop)
  kTokenIds,     // a list of token ids
  kPrompt,       // a string, a list of strings, a list of token ids or a list of token-id lists
  kObject,
  kList,
  kAny,  // passed through or ignored as it is
};

struct FieldSpec {
  std::string_view name;
  uint16_t endpoints = 0;  // endpoint_bit()s of the endpoints that take the field
  FieldType type = FieldType::kAny;
  int64_t int_min = 0, int_max = 0;
  double min = 0, max = 0;
  bool min_open = false;
  // An option the engine cannot honour: present -> 400 with this message, unless `asks_nothing` says the
  // value asks for the default behaviour (use_beam_search false, an empty logit_bias).
  const char* refused = nullptr;
  bool (*asks_nothing)(const nlohmann::json& value) = nullptr;
};

std::span<const FieldSpec> request_field_table();
// The row for `name` at `endpoint`, or nullptr (an unknown field there).
const FieldSpec* find_field(std::string_view name, Endpoint endpoint);

// A request body checked against the table for one endpoint: every present, non-null field the table knows
// has its type, lies in its range and is not refused. Throws FieldError naming the first field that fails.
// Keeps a reference to `body`, which must outlive it. Fields not in the table are ignored (unknown_fields()
// lists them for the log), as vLLM ignores extra fields.
class CheckedBody {
 public:
  CheckedBody(const nlohmann::json& body, Endpoint endpoint);

  Endpoint endpoint() const { return endpoint_; }
  const nlohmann::json& body() const { return *body_; }
  bool has(std::string_view name) const { return value(name) != nullptr; }
  // The raw value (present and not null), for structured fields (messages, prompt, objects).
  const nlohmann::json* value(std::string_view name) const;
  // T: bool, std::string, int32_t, int64_t, float, double, std::vector<int32_t> (kTokenIds),
  // std::vector<std::string> (kStrings).
  template <typename T>
  std::optional<T> get(std::string_view name) const;
  std::vector<std::string> unknown_fields() const;

 private:
  const FieldSpec& spec(std::string_view name) const;

  const nlohmann::json* body_;
  Endpoint endpoint_;
};

// The readers that exist (request_schema.cpp); any other T fails to link.
template <>
std::optional<bool> CheckedBody::get<bool>(std::string_view) const;
template <>
std::optional<std::string> CheckedBody::get<std::string>(std::string_view) const;
template <>
std::optional<int32_t> CheckedBody::get<int32_t>(std::string_view) const;
template <>
std::optional<int64_t> CheckedBody::get<int64_t>(std::string_view) const;
template <>
std::optional<float> CheckedBody::get<float>(std::string_view) const;
template <>
std::optional<double> CheckedBody::get<double>(std::string_view) const;
template <>
std::optional<std::vector<int32_t>> CheckedBody::get<std::vector<int32_t>>(std::string_view) const;
template <>
std::optional<std::vector<std::string>> CheckedBody::get<std::vector<std::string>>(std::string_view) const;

}  // namespace llmc
