#include "engine/chat/jinja_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/chat/jinja_pyformat.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

template <typename Json>
Value convert(const Json& j, int depth) {
  if (depth > kMaxJsonDepth)
    fail("JSON input nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Value(j.template get<double>());
    case nlohmann::json::value_t::string:
      return Value(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(convert(item, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      DictData dict;
      dict.items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it)
        dict.items.emplace_back(Value(it.key()), convert(it.value(), depth + 1));
      return Value::dict(std::move(dict));
    }
    default:
      fail("unsupported JSON value (binary or discarded) in template variables");
  }
}

void dump_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  for (char32_t c : decode_utf8(s)) {
    char buf[16];
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (c < 0x20 || (ensure_ascii && c >= 0x80 && c < 0x10000)) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else if (ensure_ascii && c >= 0x10000) {
      const unsigned v = static_cast<unsigned>(c) - 0x10000;
      std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      out += buf;
    } else {
      append_utf8(out, c);
    }
  }
  out.push_back('"');
}

std::string key_text(const Value& key) {
  switch (key.kind()) {
    case Kind::kString:
      return key.as_string();
    case Kind::kBool:
      return key.as_bool() ? "true" : "false";
    case Kind::kNone:
      return "null";
    case Kind::kInt:
      return std::to_string(key.as_int());
    case Kind::kFloat:
      return format_float(key.as_double());
    default:
      fail("keys must be str, int, float, bool or None, not " + type_name(key));
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& options) : options_(options) {
    item_separator_ = options.item_separator.value_or(options.indent ? "," : ", ");
  }

  void dump(const Value& v, int level) {
    if (level > kMaxJsonDepth) fail("tojson: value nested too deeply");
    switch (v.kind()) {
      case Kind::kNone:
        out_ += "null";
        return;
      case Kind::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return;
      case Kind::kInt:
        out_ += std::to_string(v.as_int());
        return;
      case Kind::kFloat:
        dump_float(v.as_double());
        return;
      case Kind::kString:
        dump_string(out_, v.as_string(), options_.ensure_ascii);
        return;
      case Kind::kList:
        if (v.is_generator()) fail("Object of type generator is not JSON serializable");
        dump_list(v.as_list().items, level);
        return;
      case Kind::kDict:
        dump_dict(v.as_dict(), level);
        return;
      default:
        fail("Object of type " + type_name(v) + " is not JSON serializable");
    }
  }

  std::string take() { return std::move(out_); }

 private:
  void dump_float(double d) {
    if (std::isnan(d))
      out_ += "NaN";
    else if (std::isinf(d))
      out_ += d > 0 ? "Infinity" : "-Infinity";
    else
      out_ += format_float(d);
  }

  // Opens a container line: with indent, each item goes on its own line one level deeper.
  void separator(bool first, int level) {
    if (!first) out_ += item_separator_;
    newline(level);
  }

  void newline(int level) {
    if (!options_.indent) return;
    out_.push_back('\n');
    for (int i = 0; i < level; ++i) out_ += *options_.indent;
  }

  void dump_list(const std::vector<Value>& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      separator(i == 0, level + 1);
      dump(items[i], level + 1);
    }
    newline(level);
    out_.push_back(']');
  }

  void dump_dict(const DictData& dict, int level) {
    if (dict.items.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<std::pair<std::string, const Value*>> entries;
    entries.reserve(dict.items.size());
    for (const auto& [key, value] : dict.items) entries.emplace_back(key_text(key), &value);
    if (options_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    out_.push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      separator(i == 0, level + 1);
      dump_string(out_, entries[i].first, options_.ensure_ascii);
      out_ += options_.key_separator;
      dump(*entries[i].second, level + 1);
    }
    newline(level);
    out_.push_back('}');
  }

  const JsonDumpOptions& options_;
  std::string item_separator_;
  std::string out_;
};

}  // namespace

Value value_from_json(const nlohmann::json& j) { return convert(j, 0); }
Value value_from_json(const nlohmann::ordered_json& j) { return convert(j, 0); }

std::string dump_json(const Value& v, const JsonDumpOptions& options) {
  Dumper dumper(options);
  dumper.dump(v, 0);
  return dumper.take();
}

}  // namespace llmc::jinja
