#include "engine/tokenizer/json_fields.h"

#include "common/check.h"

namespace llmc::json_fields {

const nlohmann::json& required(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  LLMC_CHECK(obj.is_object()) << where << ": expected a JSON object, got " << obj.type_name();
  const auto it = obj.find(key);
  LLMC_CHECK(it != obj.end()) << where << ": missing field '" << key << "'";
  return *it;
}

const nlohmann::json* optional(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string string_field(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  const auto& v = required(obj, key, where);
  LLMC_CHECK(v.is_string()) << where << ": field '" << key << "' must be a string, got " << v.type_name();
  return v.get<std::string>();
}

std::optional<std::string> optional_string(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  const auto* v = optional(obj, key);
  if (!v) return std::nullopt;
  LLMC_CHECK(v->is_string()) << where << ": field '" << key << "' must be a string, got " << v->type_name();
  return v->get<std::string>();
}

bool bool_field(const nlohmann::json& obj, std::string_view key, bool fallback, std::string_view where) {
  const auto* v = optional(obj, key);
  if (!v) return fallback;
  LLMC_CHECK(v->is_boolean()) << where << ": field '" << key << "' must be true or false, got " << v->dump();
  return v->get<bool>();
}

int64_t int_field(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  const auto& v = required(obj, key, where);
  LLMC_CHECK(v.is_number_integer()) << where << ": field '" << key << "' must be an integer, got " << v.dump();
  return v.get<int64_t>();
}

const nlohmann::json& array_field(const nlohmann::json& obj, std::string_view key, std::string_view where) {
  const auto& v = required(obj, key, where);
  LLMC_CHECK(v.is_array()) << where << ": field '" << key << "' must be an array, got " << v.type_name();
  return v;
}

std::string component_type(const nlohmann::json& spec, std::string_view where) {
  return string_field(spec, "type", where);
}

}  // namespace llmc::json_fields
