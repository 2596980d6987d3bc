// Field access for tokenizer.json / tokenizer_config.json with errors that say which file, which component
// and which field was wrong. `where` reads like "tokenizer.json: pre_tokenizer[1] (Split)".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace llmc::json_fields {

// The member `key` of object `obj`; throws when `obj` is not an object or has no such member.
const nlohmann::json& required(const nlohmann::json& obj, std::string_view key, std::string_view where);
// The member `key`, or nullptr when absent or null.
const nlohmann::json* optional(const nlohmann::json& obj, std::string_view key);

std::string string_field(const nlohmann::json& obj, std::string_view key, std::string_view where);
std::optional<std::string> optional_string(const nlohmann::json& obj, std::string_view key, std::string_view where);
bool bool_field(const nlohmann::json& obj, std::string_view key, bool fallback, std::string_view where);
int64_t int_field(const nlohmann::json& obj, std::string_view key, std::string_view where);
const nlohmann::json& array_field(const nlohmann::json& obj, std::string_view key, std::string_view where);

// The "type" of a component object.
std::string component_type(const nlohmann::json& spec, std::string_view where);

}  // namespace llmc::json_fields
