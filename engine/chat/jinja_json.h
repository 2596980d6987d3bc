// JSON in and out of the interpreter: render variables arrive as nlohmann JSON, and the `tojson` filter
// prints values the way Python's json.dumps does (HF's override: ensure_ascii=False, no HTML escaping,
// keys in insertion order unless sort_keys).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/chat/jinja_value.h"

namespace llmc::jinja {

// Objects keep their key order (ordered_json keeps the document's order; json has sorted keys).
// Nesting deeper than kMaxJsonDepth fails instead of exhausting the stack.
inline constexpr int kMaxJsonDepth = 256;
Value value_from_json(const nlohmann::json& j);
Value value_from_json(const nlohmann::ordered_json& j);

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;          // nullopt: one line
  std::optional<std::string> item_separator;  // default ", " on one line, "," with indent
  std::string key_separator = ": ";
  bool sort_keys = false;
};

// json.dumps(v, ...); fails on values JSON cannot hold (undefined, namespaces, functions).
std::string dump_json(const Value& v, const JsonDumpOptions& options);

}  // namespace llmc::jinja
