#include "runtime/head/request_schema.h"

#include <cfloat>
#include <limits>
#include <stdexcept>

namespace llmc {
namespace {

using nlohmann::json;

std::string shown(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

[[noreturn]] void wrong_type(const FieldSpec& s, const char* expected, const json& v) {
  throw FieldError(std::string(s.name),
                   "'" + std::string(s.name) + "' must be " + expected + ", got " + shown(v));
}

// Type and range of one present field; the conversions are request_json's, so the range is checked on the
// value as JSON holds it.
void check_value(const FieldSpec& s, const json& v) {
  const std::string name(s.name);
  switch (s.type) {
    case FieldType::kBool:
      if (!v.is_boolean()) wrong_type(s, "true or false", v);
      break;
    case FieldType::kInteger:
      json_integer(v, name, s.int_min, s.int_max);
      break;
    case FieldType::kNumber:
      json_number(v, name, s.min, s.max, s.min_open);
      break;
    case FieldType::kString:
      if (!v.is_string()) wrong_type(s, "a string", v);
      break;
    case FieldType::kFlagOrCount:
      if (!v.is_boolean()) json_integer(v, name, s.int_min, s.int_max);
      break;
    case FieldType::kStrings:
      if (v.is_string()) break;
      if (!v.is_array()) wrong_type(s, "a string or a list of strings", v);
      for (const json& e : v) {
        if (!e.is_string()) wrong_type(s, "a string or a list of strings", v);
      }
      break;
    case FieldType::kTokenIds:
      json_token_ids(v, name, "'" + name + "'");
      break;
    case FieldType::kPrompt:  // the shape in detail is the completions parser's; token ids convert there
      if (!v.is_string() && !v.is_array())
        wrong_type(s, "a string, a list of strings, a list of token ids or a list of token-id lists", v);
      break;
    case FieldType::kObject:
      if (!v.is_object()) wrong_type(s, "an object", v);
      break;
    case FieldType::kList:
      if (!v.is_array()) wrong_type(s, "a list", v);
      break;
    case FieldType::kAny:
      break;
  }
  if (s.refused != nullptr && !(s.asks_nothing != nullptr && s.asks_nothing(v)))
    throw FieldError(name, s.refused);
}

[[noreturn]] void misuse(const FieldSpec& s, Endpoint e, const std::string& what) {
  throw std::logic_error("request field '" + std::string(s.name) + "' (" + endpoint_name(e) + "): " + what);
}

void require_type(const FieldSpec& s, Endpoint e, std::initializer_list<FieldType> types, const char* cpp) {
  for (const FieldType t : types) {
    if (s.type == t) return;
  }
  misuse(s, e, std::string("its table type cannot be read as ") + cpp);
}

template <typename I>
std::optional<I> integer_of(const FieldSpec& s, Endpoint e, const json* v) {
  require_type(s, e, {FieldType::kInteger, FieldType::kFlagOrCount}, "an integer");
  if (s.int_min < std::numeric_limits<I>::min() || s.int_max > std::numeric_limits<I>::max())
    misuse(s, e, "its range does not fit the C++ type it is read into");
  if (v == nullptr) return std::nullopt;
  if (v->is_boolean()) misuse(s, e, "read as an integer while it holds true/false");
  return static_cast<I>(json_integer(*v, s.name, s.int_min, s.int_max));
}

template <typename F>
std::optional<F> number_of(const FieldSpec& s, Endpoint e, const json* v) {
  require_type(s, e, {FieldType::kNumber}, "a number");
  const double limit = std::numeric_limits<F>::max();
  if (s.min < -limit || s.max > limit) misuse(s, e, "its range does not fit the C++ type it is read into");
  if (v == nullptr) return std::nullopt;
  return static_cast<F>(json_number(*v, s.name, s.min, s.max, s.min_open));
}

}  // namespace

const char* endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::kCompletions:
      return "/v1/completions";
    case Endpoint::kChat:
      return "/v1/chat/completions";
    case Endpoint::kGenerate:
      return "/generate";
    case Endpoint::kPredict:
      return "prediction instance";
    case Endpoint::kTokenize:
      return "/tokenize";
    case Endpoint::kDetokenize:
      return "/detokenize";
    case Endpoint::kOffline:
      return "offline input line";
  }
  return "?";
}

const FieldSpec* find_field(std::string_view name, Endpoint endpoint) {
  for (const FieldSpec& s : request_field_table()) {
    if (s.name == name && (s.endpoints & endpoint_bit(endpoint)) != 0) return &s;
  }
  return nullptr;
}

CheckedBody::CheckedBody(const json& body, Endpoint endpoint) : body_(&body), endpoint_(endpoint) {
  if (!body.is_object()) throw FieldError("", "the request must be a JSON object, got " + shown(body));
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it->is_null()) continue;  // null means absent, as in the OpenAI API
    if (const FieldSpec* s = find_field(it.key(), endpoint)) check_value(*s, *it);
  }
}

const json* CheckedBody::value(std::string_view name) const {
  (void)spec(name);  // reading a field the table lacks is a bug, even when the request leaves it out
  const auto it = body_->find(name);
  return it == body_->end() || it->is_null() ? nullptr : &*it;
}

const FieldSpec& CheckedBody::spec(std::string_view name) const {
  const FieldSpec* s = find_field(name, endpoint_);
  if (s == nullptr) {
    throw std::logic_error("request field '" + std::string(name) + "' is read at " +
                           endpoint_name(endpoint_) + " but not in the request field table for it");
  }
  return *s;
}

std::vector<std::string> CheckedBody::unknown_fields() const {
  std::vector<std::string> out;
  for (auto it = body_->begin(); it != body_->end(); ++it) {
    if (find_field(it.key(), endpoint_) == nullptr) out.push_back(it.key());
  }
  return out;
}

template <>
std::optional<bool> CheckedBody::get<bool>(std::string_view name) const {
  require_type(spec(name), endpoint_, {FieldType::kBool}, "bool");
  const json* v = value(name);
  return v ? std::optional<bool>(v->get<bool>()) : std::nullopt;
}

template <>
std::optional<std::string> CheckedBody::get<std::string>(std::string_view name) const {
  require_type(spec(name), endpoint_, {FieldType::kString}, "a string");
  const json* v = value(name);
  return v ? std::optional<std::string>(v->get<std::string>()) : std::nullopt;
}

template <>
std::optional<int32_t> CheckedBody::get<int32_t>(std::string_view name) const {
  return integer_of<int32_t>(spec(name), endpoint_, value(name));
}

template <>
std::optional<int64_t> CheckedBody::get<int64_t>(std::string_view name) const {
  return integer_of<int64_t>(spec(name), endpoint_, value(name));
}

template <>
std::optional<float> CheckedBody::get<float>(std::string_view name) const {
  return number_of<float>(spec(name), endpoint_, value(name));
}

template <>
std::optional<double> CheckedBody::get<double>(std::string_view name) const {
  return number_of<double>(spec(name), endpoint_, value(name));
}

template <>
std::optional<std::vector<int32_t>> CheckedBody::get<std::vector<int32_t>>(std::string_view name) const {
  const FieldSpec& s = spec(name);
  require_type(s, endpoint_, {FieldType::kTokenIds}, "token ids");
  const json* v = value(name);
  if (v == nullptr) return std::nullopt;
  return json_token_ids(*v, s.name, "'" + std::string(s.name) + "'");
}

template <>
std::optional<std::vector<std::string>> CheckedBody::get<std::vector<std::string>>(
    std::string_view name) const {
  require_type(spec(name), endpoint_, {FieldType::kStrings}, "strings");
  const json* v = value(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
  return v->get<std::vector<std::string>>();
}

}  // namespace llmc
