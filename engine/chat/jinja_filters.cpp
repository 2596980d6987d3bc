// Filters on strings and numbers, and the filter registry.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_interp.h"
#include "engine/chat/jinja_json.h"
#include "engine/chat/jinja_pyformat.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {

FilterFn find_sequence_filter(std::string_view name);  // jinja_filters_seq.cpp

namespace {

std::string strip_ascii_space(const std::string& s) { return str_strip(s, StripSide::kBoth); }

// int(text, base) as Python parses it: surrounding whitespace, a sign, base prefixes, '_' between digits.
bool parse_py_int(const std::string& text, int base, int64_t& out) {
  std::string s = strip_ascii_space(text);
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i + 1 < s.size() && s[i] == '0') {
    const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + 1])));
    const int prefixed = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefixed != 0 && (base == 0 || base == prefixed)) base = prefixed, i += 2;
  }
  if (base == 0) base = 10;
  if (i >= s.size()) return false;
  uint64_t v = 0;
  bool digit_before = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '_' && digit_before && i + 1 < s.size() && s[i + 1] != '_') continue;
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'z') ? c - 'a' + 10 : 99;
    if (d >= base) return false;
    if (v > (static_cast<uint64_t>(INT64_MAX) - d) / base) return false;
    v = v * base + d, digit_before = true;
  }
  out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool parse_py_float(const std::string& text, double& out) {
  std::string s = strip_ascii_space(text);
  std::string lower = str_lower(s);
  const std::string body = (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) ? lower.substr(1) : lower;
  if (body == "inf" || body == "infinity" || body == "nan") {
    out = body == "nan" ? NAN : INFINITY;
    if (lower[0] == '-') out = -out;
    return true;
  }
  std::string clean;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_' && i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1])) && i + 1 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      continue;
    }
    if (!std::strchr("0123456789.eE+-", c) || c == '\0') return false;
    clean.push_back(c);
  }
  if (clean.empty()) return false;
  char* end = nullptr;
  out = std::strtod(clean.c_str(), &end);
  return end == clean.c_str() + clean.size();
}

Value f_abs(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'abs'", {});
  if (v.kind() == Kind::kFloat) return Value(std::fabs(v.as_double()));
  if (v.is_int()) {
    if (v.as_int() == INT64_MIN) fail("integer overflow (values beyond 64 bits are not supported)");
    return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_undefined()) fail_undefined(v);
  fail("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_default(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'default'", {"default_value", "boolean"});
  if (v.is_undefined() || (a.get_bool(1, false) && !truthy(v))) return a.get_or(0, Value(std::string()));
  return v;
}

Value f_string_fn(const Value& v, std::string (*fn)(std::string_view)) { return Value(fn(to_str(v))); }

Value f_upper(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'upper'", {});
  return f_string_fn(v, str_upper);
}
Value f_lower(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'lower'", {});
  return f_string_fn(v, str_lower);
}
Value f_capitalize(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'capitalize'", {});
  return f_string_fn(v, str_capitalize);
}

// Jinja's title(): a word starts after '-', whitespace, or an opening bracket.
Value f_title(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'title'", {});
  std::string out;
  bool at_start = true;
  for (char32_t c : decode_utf8(to_str(v))) {
    const bool sep = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || is_py_space(c);
    append_utf8(out, sep ? c : (at_start ? py_upper(c) : py_lower(c)));
    at_start = sep;
  }
  return Value(std::move(out));
}

Value f_trim(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'trim'", {"chars"});
  if (!a.has(0) || a.get(0).is_none()) return Value(str_strip(to_str(v), StripSide::kBoth));
  const std::u32string chars = decode_utf8(to_str(a.get(0)));
  return Value(str_strip(to_str(v), StripSide::kBoth, &chars));
}

Value f_replace(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'replace'", {"old", "new", "count"});
  if (!a.has(0) || !a.has(1)) fail("filter 'replace' needs the old and new strings");
  const int64_t count = a.get(2).is_none() ? -1 : a.get_int(2, -1);
  std::string out = str_replace(to_str(v), to_str(a.get(0)), to_str(a.get(1)), count);
  in.check_size(out.size());
  return Value(std::move(out));
}

Value f_string(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'string'", {});
  return Value(to_str(v));
}

Value f_safe(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'safe'", {});
  return v;
}

Value f_escape(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'escape'", {});
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return Value(std::move(out));
}

Value f_int(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'int'", {"default", "base"});
  const Value fallback = a.get_or(0, Value(0));
  if (v.is_undefined()) fail_undefined(v);  // int(Undefined) raises in Jinja
  if (v.is_int()) return Value(v.as_int());
  if (v.kind() == Kind::kFloat) {
    const double d = v.as_double();
    return std::isfinite(d) && std::fabs(d) < 9.2e18 ? Value(static_cast<int64_t>(std::trunc(d))) : fallback;
  }
  if (!v.is_string()) return fallback;
  int64_t out = 0;
  if (parse_py_int(v.as_string(), static_cast<int>(a.get_int(1, 10)), out)) return Value(out);
  double d = 0;
  if (parse_py_float(v.as_string(), d) && std::isfinite(d) && std::fabs(d) < 9.2e18) {
    return Value(static_cast<int64_t>(std::trunc(d)));
  }
  return fallback;
}

Value f_float(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'float'", {"default"});
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_number()) return Value(v.as_double());
  double d = 0;
  if (v.is_string() && parse_py_float(v.as_string(), d)) return Value(d);
  return a.get_or(0, Value(0.0));
}

Value f_round(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'round'", {"precision", "method"});
  const int64_t precision = a.get_int(0, 0);
  const std::string method = a.get_string(1, "common");
  if (method != "common" && method != "ceil" && method != "floor")
    fail("filter 'round': method must be 'common', 'ceil' or 'floor'");
  if (!v.is_number()) fail("filter 'round' needs a number, got " + type_name(v));
  if (method == "common" && v.is_int() && precision >= 0) return Value(v.as_int());
  const double x = v.as_double();
  if (method != "common") {
    const double scale = std::pow(10.0, static_cast<double>(precision));
    return Value((method == "ceil" ? std::ceil(x * scale) : std::floor(x * scale)) / scale);
  }
  if (!std::isfinite(x)) return Value(x);
  if (precision < 0) {
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value(std::nearbyint(x / scale) * scale);
  }
  // printf rounds the exact binary value half-to-even, which is what CPython's round() does.
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), x);
  return Value(std::strtod(buf, nullptr));
}

Value f_format(Interp& in, const Value& v, const CallArgs& args) {
  if (!args.positional.empty() && !args.named.empty())
    fail("filter 'format' can't handle positional and keyword arguments at the same time");
  Value params;
  if (!args.named.empty()) {
    DictData d;
    for (const auto& [k, val] : args.named) d.set(Value(k), val);
    params = Value::dict(std::move(d));
  } else {
    params = Value::list(args.positional, true);
  }
  std::string out = percent_format(to_str(v), params);
  in.check_size(out.size());
  return Value(std::move(out));
}

Value f_indent(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'indent'", {"width", "first", "blank"});
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_string()) fail("filter 'indent' needs a string, got " + type_name(v));
  const Value width = a.get_or(0, Value(4));
  const std::string pad = width.is_string()
                              ? width.as_string()
                              : std::string(static_cast<size_t>(std::max<int64_t>(0, a.get_int(0, 4))), ' ');
  std::vector<std::string> lines = str_splitlines(to_str(v) + "\n", false);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    if (i > 0 && (a.get_bool(2, false) || !lines[i].empty())) out += pad;
    out += lines[i];
    in.check_size(out.size());
  }
  if (a.get_bool(1, false)) out = pad + out;
  return Value(std::move(out));
}

Value f_center(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'center'", {"width"});
  const std::string s = to_str(v);
  const int64_t width = std::min<int64_t>(a.get_int(0, 80), 1 << 20);
  const int64_t len = static_cast<int64_t>(utf8_length(s));
  if (width <= len) return Value(s);
  const int64_t marg = width - len;
  const int64_t left = marg / 2 + (marg & width & 1);  // CPython's str.center split
  return Value(std::string(static_cast<size_t>(left), ' ') + s +
               std::string(static_cast<size_t>(marg - left), ' '));
}

Value f_truncate(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'truncate'", {"length", "killwords", "end", "leeway"});
  const int64_t length = a.get_int(0, 255);
  const std::u32string end = decode_utf8(a.get_string(2, "..."));
  const int64_t leeway = a.get(3).is_none() ? 5 : a.get_int(3, 5);
  if (length < static_cast<int64_t>(end.size()))
    fail("filter 'truncate': expected length >= " + std::to_string(end.size()));
  if (v.is_undefined()) return Value(std::string());
  // Jinja measures len() of whatever it gets and returns short values unchanged, lists included.
  const bool sized_container = (v.is_list() && !v.is_generator()) || v.is_dict();
  const int64_t size = v.is_list()   ? static_cast<int64_t>(v.as_list().items.size())
                       : v.is_dict() ? static_cast<int64_t>(v.as_dict().items.size())
                                     : 0;
  if (sized_container && size <= length + leeway) return v;
  if (!v.is_string()) fail("filter 'truncate' needs a string, got " + type_name(v));
  const std::u32string s = decode_utf8(v.as_string());
  if (static_cast<int64_t>(s.size()) <= length + leeway) return v;
  std::u32string head = s.substr(0, static_cast<size_t>(length) - end.size());
  if (!a.get_bool(1, false)) {
    const size_t space = head.rfind(U' ');
    if (space != std::u32string::npos) head.resize(space);
  }
  return Value(encode_utf8(head + end));
}

Value f_wordcount(Interp&, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'wordcount'", {});
  int64_t count = 0;
  bool in_word = false;
  for (char32_t c : decode_utf8(to_str(v))) {
    const bool word = c == '_' || is_py_alpha(c) || is_py_digit(c);
    if (word && !in_word) ++count;
    in_word = word;
  }
  return Value(count);
}

// HF's tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'tojson'", {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions options;
  options.ensure_ascii = a.get_bool(0, false);
  const Value& indent = a.get(1);
  if (indent.is_string())
    options.indent = indent.as_string();
  else if (indent.is_int())
    options.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 1000)), ' ');
  else if (!indent.is_none() && !indent.is_undefined())
    fail("filter 'tojson': indent must be an int or a string");
  const Value& seps = a.get(2);
  if (seps.is_list() && seps.as_list().items.size() == 2) {
    options.item_separator = to_str(seps.as_list().items[0]);
    options.key_separator = to_str(seps.as_list().items[1]);
  } else if (!seps.is_none() && !seps.is_undefined()) {
    fail("filter 'tojson': separators must be a (item_separator, key_separator) pair");
  }
  options.sort_keys = a.get_bool(3, false);
  std::string out = dump_json(v, options);
  in.check_size(out.size());
  return Value(std::move(out));
}

struct NamedFilter {
  std::string_view name;
  FilterFn fn;
};

constexpr NamedFilter kFilters[] = {
    {"abs", f_abs},
    {"capitalize", f_capitalize},
    {"center", f_center},
    {"d", f_default},
    {"default", f_default},
    {"e", f_escape},
    {"escape", f_escape},
    {"float", f_float},
    {"forceescape", f_escape},
    {"format", f_format},
    {"indent", f_indent},
    {"int", f_int},
    {"lower", f_lower},
    {"replace", f_replace},
    {"round", f_round},
    {"safe", f_safe},
    {"string", f_string},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"truncate", f_truncate},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

FilterFn find_filter(std::string_view name) {
  for (const auto& f : kFilters) {
    if (f.name == name) return f.fn;
  }
  return find_sequence_filter(name);
}

bool is_unsupported_filter(std::string_view name) {
  static constexpr std::string_view kNames[] = {"filesizeformat", "groupby",   "pprint",    "random",
                                                "slice",          "striptags", "urlencode", "urlize",
                                                "wordwrap",       "xmlattr"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace llmc::jinja
