#include "engine/grammar/json_schema.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/grammar/integer_range.h"
#include "engine/grammar/json_lexicon.h"
#include "engine/grammar/regex_parser.h"

namespace llmc::grammar {
namespace {

using Json = nlohmann::ordered_json;

const std::set<std::string>& annotations() {
  static const std::set<std::string> k{"title",    "description", "default",   "examples", "$schema",
                                       "$id",      "$comment",    "deprecated", "readOnly", "writeOnly",
                                       "$defs",    "definitions", "$anchor",   "contentMediaType",
                                       "contentEncoding"};
  return k;
}

const std::set<std::string>& supported() {
  static const std::set<std::string> k{
      "type",      "properties", "required",  "additionalProperties", "items",   "prefixItems", "additionalItems",
      "minItems",  "maxItems",   "enum",      "const",                "anyOf",   "oneOf",       "allOf",
      "$ref",      "minLength",  "maxLength", "pattern",              "format",  "minimum",     "maximum",
      "exclusiveMinimum", "exclusiveMaximum"};
  return k;
}

// Regexes for the formats JSON Schema names (RFC 3339 date/time, RFC 4122 uuid, a practical email).
std::optional<std::string> format_regex(const std::string& format) {
  static const std::string date = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
  static const std::string time = "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
  static const std::string octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  if (format == "date") return date;
  if (format == "time") return time;
  if (format == "date-time") return date + "T" + time;
  if (format == "uuid") return "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
  if (format == "email") return "[a-zA-Z0-9_+-]+(\\.[a-zA-Z0-9_+-]+)*@[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*\\.[a-zA-Z]{2,}";
  if (format == "ipv4") return octet + "(\\." + octet + "){3}";
  return std::nullopt;
}

std::string unescape_pointer(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      out.push_back(token[i]);
    }
  }
  return out;
}

class SchemaCompiler {
 public:
  SchemaCompiler(const Json& doc, bool strict) : doc_(doc), strict_(strict), lex_(g_) {}

  Grammar compile() {
    root_rule_ = g_.add_rule("root");
    refs_["#"] = root_rule_;
    g_.set_body(root_rule_, value(doc_, "#"));
    while (!pending_.empty()) {
      const auto [rule, ptr] = pending_.back();
      pending_.pop_back();
      g_.set_body(rule, value(resolve(ptr), ptr));
    }
    g_.set_root(root_rule_);
    return std::move(g_);
  }

 private:
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    LLMC_FAIL() << "json schema at " << where << ": " << what;
  }
  void unsupported(const std::string& where, const std::string& what) const {
    if (strict_) fail(where, what + " is not supported (strict mode refuses what it cannot enforce)");
  }

  ExprId value(const Json& s, const std::string& where) {
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(where, "the schema `false` matches no value");
      return lex_.any_value();
    }
    if (!s.is_object()) fail(where, "a schema must be an object or a boolean");
    for (const auto& [key, v] : s.items()) {
      if (!annotations().count(key) && !supported().count(key)) unsupported(where, "keyword '" + key + "'");
    }
    if (s.contains("$ref")) {
      if (!s["$ref"].is_string()) fail(where, "$ref must be a string");
      return g_.call(ref_rule(s["$ref"].get<std::string>(), where));
    }
    if (s.contains("allOf")) {
      const Json& all = s["allOf"];
      if (!all.is_array() || all.empty()) fail(where, "allOf must be a non-empty array");
      Json merged = s;
      merged.erase("allOf");
      for (size_t i = 0; i < all.size(); ++i) merged = merge(merged, all[i], where + "/allOf/" + std::to_string(i));
      return value(merged, where);
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!s.contains(key)) continue;
      const Json& branches = s[key];
      if (!branches.is_array() || branches.empty()) fail(where, std::string(key) + " must be a non-empty array");
      Json rest = s;
      rest.erase(key);
      bool constrains = false;
      for (const auto& [k, v] : rest.items()) constrains |= !annotations().count(k);
      std::vector<ExprId> options;
      for (size_t i = 0; i < branches.size(); ++i) {
        const std::string w = where + "/" + key + "/" + std::to_string(i);
        const bool plain = !constrains || !branches[i].is_object() || branches[i].contains("$ref");
        options.push_back(value(plain ? branches[i] : merge(rest, branches[i], w), w));
      }
      return g_.alt(std::move(options));
    }
    if (s.contains("const")) return g_.literal(s["const"].dump());
    if (s.contains("enum")) {
      const Json& values = s["enum"];
      if (!values.is_array() || values.empty()) fail(where, "enum must be a non-empty array");
      std::vector<ExprId> options;
      for (const Json& v : values) options.push_back(g_.literal(v.dump()));
      return g_.alt(std::move(options));
    }
    std::vector<std::string> types;
    if (s.contains("type")) {
      const Json& t = s["type"];
      if (t.is_string()) {
        types.push_back(t.get<std::string>());
      } else if (t.is_array() && !t.empty()) {
        for (const Json& x : t) {
          if (!x.is_string()) fail(where, "type entries must be strings");
          types.push_back(x.get<std::string>());
        }
      } else {
        fail(where, "type must be a string or a non-empty array of strings");
      }
    } else {
      types = inferred_types(s);
      if (types.empty()) return lex_.any_value();
    }
    std::vector<ExprId> options;
    for (const std::string& t : types) options.push_back(typed(s, t, where));
    return g_.alt(std::move(options));
  }

  static std::vector<std::string> inferred_types(const Json& s) {
    auto any = [&](std::initializer_list<const char*> keys) {
      for (const char* k : keys) {
        if (s.contains(k)) return true;
      }
      return false;
    };
    if (any({"properties", "required", "additionalProperties"})) return {"object"};
    if (any({"items", "prefixItems", "minItems", "maxItems"})) return {"array"};
    if (any({"pattern", "minLength", "maxLength", "format"})) return {"string"};
    if (any({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) return {"number"};
    return {};
  }

  // `base` with `extra`'s keywords added: properties merged, required united, anything else from `extra`.
  Json merge(const Json& base, const Json& extra, const std::string& where) {
    if (extra.is_boolean()) {
      if (!extra.get<bool>()) fail(where, "the schema `false` matches no value");
      return base;
    }
    if (!extra.is_object()) fail(where, "a schema must be an object or a boolean");
    Json out = base;
    for (const auto& [key, v] : extra.items()) {
      if (key == "properties" && out.contains("properties") && v.is_object()) {
        for (const auto& [p, ps] : v.items()) out["properties"][p] = ps;
      } else if (key == "required" && out.contains("required") && v.is_array()) {
        for (const Json& r : v) {
          if (std::find(out["required"].begin(), out["required"].end(), r) == out["required"].end()) {
            out["required"].push_back(r);
          }
        }
      } else if (key == "$ref") {
        const Json target = resolve(v.get<std::string>());
        out = merge(out, target, where);
      } else {
        out[key] = v;
      }
    }
    return out;
  }

  ExprId typed(const Json& s, const std::string& type, const std::string& where) {
    if (type == "object") return object(s, where);
    if (type == "array") return array(s, where);
    if (type == "string") return string(s, where);
    if (type == "integer") return integer(s, where);
    if (type == "number") return number(s, where);
    if (type == "boolean") return g_.alt({g_.literal("true"), g_.literal("false")});
    if (type == "null") return g_.literal("null");
    fail(where, "unknown type '" + type + "'");
  }

  ExprId member(const std::string& key, ExprId v) {
    return g_.seq({g_.literal(json_quote(key)), lex_.ws(), g_.literal(":"), lex_.ws(), v});
  }
  ExprId sep() { return g_.seq({lex_.ws(), g_.literal(","), lex_.ws()}); }

  ExprId object(const Json& s, const std::string& where) {
    const Json empty_object = Json::object();
    const Json& props = s.contains("properties") ? s["properties"] : empty_object;
    if (!props.is_object()) fail(where, "properties must be an object");
    std::set<std::string> required;
    if (s.contains("required")) {
      if (!s["required"].is_array()) fail(where, "required must be an array");
      for (const Json& r : s["required"]) {
        if (!r.is_string()) fail(where, "required entries must be strings");
        required.insert(r.get<std::string>());
      }
    }
    std::optional<Json> additional;
    if (s.contains("additionalProperties") && !(s["additionalProperties"].is_boolean() && !s["additionalProperties"].get<bool>())) {
      additional = s["additionalProperties"];
    }
    std::vector<std::pair<ExprId, bool>> members;
    for (const auto& [key, sub] : props.items()) {
      members.emplace_back(member(key, value(sub, where + "/properties/" + unescape_pointer(key))), required.count(key) > 0);
    }
    // Required names that `properties` does not describe take the additionalProperties schema (or any value).
    for (const std::string& r : required) {
      if (props.contains(r)) continue;
      members.emplace_back(member(r, additional ? value(*additional, where + "/additionalProperties") : lex_.any_value()), true);
    }
    ExprId extra = -1;
    if (additional) extra = g_.seq({lex_.string(), lex_.ws(), g_.literal(":"), lex_.ws(), value(*additional, where + "/additionalProperties")});
    // tail[j]: what may follow once something was emitted, from member j on; starts: the first member emitted.
    const size_t n = members.size();
    std::vector<ExprId> tail(n + 1);
    tail[n] = extra >= 0 ? g_.star(g_.seq({sep(), extra})) : g_.empty();
    for (size_t j = n; j-- > 0;) {
      const ExprId x = g_.seq({sep(), members[j].first});
      tail[j] = g_.seq({members[j].second ? x : g_.opt(x), tail[j + 1]});
    }
    std::vector<ExprId> starts;
    bool all_optional = true;
    for (size_t k = 0; k < n; ++k) {
      starts.push_back(g_.seq({members[k].first, tail[k + 1]}));
      if (members[k].second) {
        all_optional = false;
        break;
      }
    }
    if (all_optional && extra >= 0) starts.push_back(g_.seq({extra, tail[n]}));
    ExprId body = g_.alt(std::move(starts));
    if (all_optional) body = g_.opt(body);
    return g_.seq({g_.literal("{"), lex_.ws(), body, lex_.ws(), g_.literal("}")});
  }

  static int32_t count_field(const Json& s, const char* key, int32_t fallback) {
    if (!s.contains(key)) return fallback;
    LLMC_CHECK(s[key].is_number_integer() && s[key].get<int64_t>() >= 0 && s[key].get<int64_t>() <= 100000)
        << "json schema: " << key << " must be an integer in [0, 100000]";
    return static_cast<int32_t>(s[key].get<int64_t>());
  }

  ExprId array(const Json& s, const std::string& where) {
    std::vector<ExprId> prefix;
    std::optional<Json> items = Json(true);
    const Json* prefix_schemas = s.contains("prefixItems") ? &s["prefixItems"] : nullptr;
    if (s.contains("items") && s["items"].is_array()) {  // draft 4-7 tuples
      prefix_schemas = &s["items"];
      items = s.contains("additionalItems") ? s["additionalItems"] : Json(true);
    } else if (s.contains("items")) {
      items = s["items"];
    }
    if (prefix_schemas) {
      if (!prefix_schemas->is_array()) fail(where, "prefixItems must be an array");
      for (size_t i = 0; i < prefix_schemas->size(); ++i) {
        prefix.push_back(value((*prefix_schemas)[i], where + "/prefixItems/" + std::to_string(i)));
      }
    }
    const bool more = !(items->is_boolean() && !items->get<bool>());
    const ExprId item = more ? value(*items, where + "/items") : -1;
    const int32_t m = static_cast<int32_t>(prefix.size());
    const int32_t min = count_field(s, "minItems", 0);
    int32_t max = count_field(s, "maxItems", -1);
    if (!more) max = max < 0 ? m : std::min(max, m);
    if (max >= 0 && min > max) fail(where, "minItems exceeds the items the array may hold");
    auto element = [&](int32_t i) { return i < m ? prefix[static_cast<size_t>(i)] : item; };
    // after(i): elements i, i+1, ... each preceded by a separator.
    auto after = [&](auto&& self, int32_t i) -> ExprId {
      if (max >= 0 && i >= max) return g_.empty();
      if (i >= m) {
        if (!more) return g_.empty();
        return g_.repeat(g_.seq({sep(), item}), std::max(min - i, 0), max < 0 ? -1 : max - i);
      }
      const ExprId x = g_.seq({sep(), element(i), self(self, i + 1)});
      return i < min ? x : g_.opt(x);
    };
    ExprId body = g_.empty();
    if (max != 0 && (m > 0 || more)) {
      const ExprId first = g_.seq({element(0), after(after, 1)});
      body = min >= 1 ? first : g_.opt(first);
    }
    return g_.seq({g_.literal("["), lex_.ws(), body, lex_.ws(), g_.literal("]")});
  }

  ExprId string(const Json& s, const std::string& where) {
    const int32_t min = count_field(s, "minLength", 0);
    const int32_t max = count_field(s, "maxLength", -1);
    if (max >= 0 && min > max) fail(where, "minLength exceeds maxLength");
    std::optional<std::string> pattern;
    bool anchored = false;
    if (s.contains("format")) {
      const std::string f = s["format"].is_string() ? s["format"].get<std::string>() : "";
      pattern = format_regex(f);
      anchored = true;
      if (!pattern) unsupported(where, "format '" + f + "'");
    }
    if (s.contains("pattern")) {
      if (!s["pattern"].is_string()) fail(where, "pattern must be a string");
      if (pattern) unsupported(where, "pattern together with format");
      pattern = s["pattern"].get<std::string>();
      anchored = false;
    }
    if (!pattern) return lex_.string(min, max);
    if (s.contains("minLength") || s.contains("maxLength")) unsupported(where, "minLength/maxLength with a pattern");
    const RegexExpr re = regex_expr(g_, *pattern, &lex_);
    std::vector<ExprId> parts{g_.literal("\"")};
    if (!anchored && !re.anchored_start) parts.push_back(g_.star(lex_.any_char()));
    parts.push_back(re.expr);
    if (!anchored && !re.anchored_end) parts.push_back(g_.star(lex_.any_char()));
    parts.push_back(g_.literal("\""));
    return g_.seq(std::move(parts));
  }

  ExprId integer(const Json& s, const std::string& where) {
    std::optional<int64_t> lo;
    std::optional<int64_t> hi;
    auto bound = [&](const char* key, bool lower, bool exclusive) {
      if (!s.contains(key)) return;
      const Json& v = s[key];
      if (v.is_boolean()) return;  // draft 4 exclusive flags, handled below
      if (!v.is_number()) fail(where, std::string(key) + " must be a number");
      const double d = v.get<double>();
      if (!(std::fabs(d) < 9e18)) return unsupported(where, std::string(key) + " beyond 64-bit integers");
      int64_t b = static_cast<int64_t>(lower ? std::ceil(d) : std::floor(d));
      const bool draft4 = s.contains(lower ? "exclusiveMinimum" : "exclusiveMaximum") &&
                          s[lower ? "exclusiveMinimum" : "exclusiveMaximum"].is_boolean() &&
                          s[lower ? "exclusiveMinimum" : "exclusiveMaximum"].get<bool>();
      if ((exclusive || draft4) && static_cast<double>(b) == d) b += lower ? 1 : -1;
      auto& slot = lower ? lo : hi;
      slot = slot ? (lower ? std::max(*slot, b) : std::min(*slot, b)) : b;
    };
    bound("minimum", true, false);
    bound("exclusiveMinimum", true, true);
    bound("maximum", false, false);
    bound("exclusiveMaximum", false, true);
    if (!lo && !hi) return lex_.integer();
    if (lo && hi && *lo > *hi) fail(where, "the integer range is empty");
    return integer_range_expr(g_, lo, hi);
  }

  ExprId number(const Json& s, const std::string& where) {
    const bool bounded = s.contains("minimum") || s.contains("maximum") || s.contains("exclusiveMinimum") ||
                         s.contains("exclusiveMaximum");
    if (!bounded) return lex_.number();
    if (s.contains("minimum") && s["minimum"].is_number() && s["minimum"].get<double>() == 0.0 && !s.contains("maximum") &&
        !s.contains("exclusiveMinimum") && !s.contains("exclusiveMaximum")) {
      // Non-negative: the number grammar without its sign.
      const ExprId digit = g_.byte_range('0', '9');
      const ExprId whole = g_.alt({g_.literal("0"), g_.seq({g_.byte_range('1', '9'), g_.star(digit)})});
      const ExprId fraction = g_.opt(g_.seq({g_.literal("."), g_.plus(digit)}));
      ByteSet e, sign;
      e.set('e'), e.set('E'), sign.set('+'), sign.set('-');
      const ExprId exponent = g_.opt(g_.seq({g_.bytes(e), g_.opt(g_.bytes(sign)), g_.plus(digit)}));
      return g_.seq({whole, fraction, exponent});
    }
    unsupported(where, "a range on a non-integer number (only minimum 0 is)");
    return lex_.number();
  }

  const Json& resolve(const std::string& ref) const {
    if (ref == "#") return doc_;
    if (!ref.starts_with("#/")) fail(ref, "only local references (#/...) are supported");
    const Json* cur = &doc_;
    size_t pos = 2;
    while (pos <= ref.size()) {
      const size_t slash = std::min(ref.find('/', pos), ref.size());
      const std::string token = unescape_pointer(ref.substr(pos, slash - pos));
      if (cur->is_object() && cur->contains(token)) {
        cur = &(*cur)[token];
      } else if (cur->is_array() && !token.empty() && token.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoul(token) < cur->size()) {
        cur = &(*cur)[std::stoul(token)];
      } else {
        fail(ref, "$ref target does not exist");
      }
      pos = slash + 1;
    }
    return *cur;
  }

  RuleId ref_rule(const std::string& ref, const std::string& where) {
    if (auto it = refs_.find(ref); it != refs_.end()) return it->second;
    resolve(ref);  // fails early, naming the reference
    const std::string name = ref.substr(ref.find_last_of('/') + 1);
    const RuleId rule = g_.add_rule(g_.unique_name("ref-" + (name.empty() ? std::string("x") : name)));
    refs_[ref] = rule;
    pending_.emplace_back(rule, ref);
    (void)where;
    return rule;
  }

  const Json& doc_;
  bool strict_;
  Grammar g_;
  JsonLexicon lex_;
  RuleId root_rule_ = -1;
  std::map<std::string, RuleId> refs_;
  std::vector<std::pair<RuleId, std::string>> pending_;
};

}  // namespace

Grammar json_schema_grammar(std::string_view schema_json, const JsonSchemaOptions& options) {
  Json doc;
  try {
    doc = Json::parse(schema_json);
  } catch (const nlohmann::json::parse_error& e) {
    LLMC_FAIL() << "json schema: not valid JSON: " << e.what();
  }
  return SchemaCompiler(doc, options.strict).compile();
}

Grammar json_object_grammar() {
  Grammar g;
  JsonLexicon lex(g);
  const RuleId root = g.add_rule("root");
  g.set_body(root, lex.any_object());
  g.set_root(root);
  return g;
}

}  // namespace llmc::grammar
