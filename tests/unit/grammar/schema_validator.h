// A small JSON Schema validator for the tests, written from the specification independently of the grammar
// front end: it checks a parsed instance against the keywords the schema corpus uses (type, properties,
// required, additionalProperties, items/prefixItems, min/maxItems, enum, const, anyOf, oneOf (exactly one),
// allOf, $ref, min/maxLength in code points, pattern (PCRE2, unanchored search), format date/uuid,
// minimum/maximum and their exclusive forms). Unknown keywords fail loudly so the corpus cannot outgrow it.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cmath>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace llmc::test {

class SchemaValidator {
 public:
  using Json = nlohmann::ordered_json;
  explicit SchemaValidator(const Json& root) : root_(root) {}

  // Empty when valid, else what failed and where.
  std::string check(const Json& v) const { return check(v, root_, "$"); }

 private:
  static bool search(const std::string& pattern, const std::string& s) {
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), PCRE2_UTF, &err, &off, nullptr);
    if (!code) return false;
    pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, data, nullptr);
    pcre2_match_data_free(data);
    pcre2_code_free(code);
    return rc >= 0;
  }

  static size_t code_points(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  static bool has_type(const Json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    if (t == "number") return v.is_number();
    if (t == "integer") return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
    return false;
  }

  const Json& resolve(const std::string& ref) const {
    if (ref == "#") return root_;
    const Json* cur = &root_;
    size_t pos = 2;
    while (pos <= ref.size()) {
      const size_t slash = std::min(ref.find('/', pos), ref.size());
      cur = &cur->at(ref.substr(pos, slash - pos));
      pos = slash + 1;
    }
    return *cur;
  }

  std::string check(const Json& v, const Json& s, const std::string& at) const {
    if (s.is_boolean()) return s.get<bool>() ? "" : at + ": schema false";
    static const std::set<std::string> known = {
        "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
        "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs", "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "description", "title"};
    for (const auto& [k, x] : s.items()) {
      if (!known.count(k)) return at + ": the test validator does not know '" + k + "'";
    }
    if (s.contains("$ref")) return check(v, resolve(s["$ref"].get<std::string>()), at);
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_string()) ok = has_type(v, s["type"].get<std::string>());
      for (const Json& t : s["type"].is_array() ? s["type"] : Json::array()) ok |= has_type(v, t.get<std::string>());
      if (!ok) return at + ": type " + s["type"].dump() + " but value " + v.dump();
    }
    if (s.contains("const") && v != s["const"]) return at + ": not the const";
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) return at + ": not in enum";
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!s.contains(key)) continue;
      int matches = 0;
      for (const Json& b : s[key]) matches += check(v, b, at).empty();
      if (matches == 0 || (std::string(key) == "oneOf" && matches != 1)) return at + ": " + key + " matched " + std::to_string(matches);
    }
    if (s.contains("allOf")) {
      for (const Json& b : s["allOf"]) {
        if (auto e = check(v, b, at); !e.empty()) return e;
      }
    }
    if (v.is_object()) {
      for (const Json& r : s.value("required", Json::array())) {
        if (!v.contains(r.get<std::string>())) return at + ": missing required " + r.dump();
      }
      for (const auto& [k, x] : v.items()) {
        if (s.contains("properties") && s["properties"].contains(k)) {
          if (auto e = check(x, s["properties"][k], at + "." + k); !e.empty()) return e;
        } else if (s.contains("additionalProperties")) {
          if (auto e = check(x, s["additionalProperties"], at + "." + k); !e.empty()) return e;
        }
      }
    }
    if (v.is_array()) {
      const size_t n = v.size();
      if (s.contains("minItems") && n < s["minItems"].get<size_t>()) return at + ": too few items";
      if (s.contains("maxItems") && n > s["maxItems"].get<size_t>()) return at + ": too many items";
      const size_t m = s.contains("prefixItems") ? s["prefixItems"].size() : 0;
      for (size_t i = 0; i < n; ++i) {
        const Json* sub = i < m ? &s["prefixItems"][i] : (s.contains("items") ? &s["items"] : nullptr);
        if (!sub) continue;
        if (auto e = check(v[i], *sub, at + "[" + std::to_string(i) + "]"); !e.empty()) return e;
      }
    }
    if (v.is_string()) {
      const std::string str = v.get<std::string>();
      if (s.contains("minLength") && code_points(str) < s["minLength"].get<size_t>()) return at + ": too short";
      if (s.contains("maxLength") && code_points(str) > s["maxLength"].get<size_t>()) return at + ": too long";
      if (s.contains("pattern") && !search(s["pattern"].get<std::string>(), str)) return at + ": pattern fails on " + v.dump();
      if (s.contains("format")) {
        const std::string f = s["format"].get<std::string>();
        const std::string re = f == "date" ? "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$"
                               : f == "uuid" ? "^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$" : "";
        if (re.empty()) return at + ": the test validator does not know format " + f;
        if (!search(re, str)) return at + ": format " + f + " fails on " + v.dump();
      }
    }
    if (v.is_number()) {
      const double d = v.get<double>();
      if (s.contains("minimum") && d < s["minimum"].get<double>()) return at + ": below minimum";
      if (s.contains("maximum") && d > s["maximum"].get<double>()) return at + ": above maximum";
      if (s.contains("exclusiveMinimum") && d <= s["exclusiveMinimum"].get<double>()) return at + ": not above exclusiveMinimum";
      if (s.contains("exclusiveMaximum") && d >= s["exclusiveMaximum"].get<double>()) return at + ": not below exclusiveMaximum";
    }
    return "";
  }

  const Json& root_;
};

}  // namespace llmc::test
