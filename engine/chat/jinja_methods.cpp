// Python methods templates call on values: str (strip, split, startswith, format, ...), dict (items, get,
// ...) and list (index, count). Methods that mutate are refused as HF's ImmutableSandboxedEnvironment does.
#include <algorithm>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_interp.h"
#include "engine/chat/jinja_pyformat.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

constexpr std::string_view kStrMethods[] = {
    "capitalize", "casefold",     "center",       "count",   "encode",     "endswith",    "expandtabs",
    "find",       "format",       "format_map",   "index",   "isalnum",    "isalpha",     "isascii",
    "isdecimal",  "isdigit",      "isidentifier", "islower", "isnumeric",  "isprintable", "isspace",
    "istitle",    "isupper",      "join",         "ljust",   "lower",      "lstrip",      "maketrans",
    "partition",  "removeprefix", "removesuffix", "replace", "rfind",      "rindex",      "rjust",
    "rpartition", "rsplit",       "rstrip",       "split",   "splitlines", "startswith",  "strip",
    "swapcase",   "title",        "translate",    "upper",   "zfill"};
constexpr std::string_view kDictMethods[] = {"clear", "copy",    "fromkeys",   "get",    "items", "keys",
                                             "pop",   "popitem", "setdefault", "update", "values"};
constexpr std::string_view kDictUnsafe[] = {"clear", "pop", "popitem", "setdefault", "update"};
constexpr std::string_view kListMethods[] = {"append", "clear", "copy",   "count",   "extend", "index",
                                             "insert", "pop",   "remove", "reverse", "sort"};
constexpr std::string_view kListUnsafe[] = {"append", "clear",  "extend",  "insert",
                                            "pop",    "remove", "reverse", "sort"};

template <size_t N>
bool listed(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

[[noreturn]] void unsafe(std::string_view name, const char* type) {
  fail("access to attribute '" + std::string(name) + "' of '" + type +
       "' object is unsafe (templates cannot modify values)");
}

// Python's clamping of optional start/end arguments to [0, len].
std::pair<size_t, size_t> bounds(const ArgBinder& a, size_t start_index, size_t len) {
  auto clamp = [len](const Value& v, int64_t dflt) -> size_t {
    if (v.is_undefined() || v.is_none()) return static_cast<size_t>(dflt);
    if (!v.is_int()) fail("slice indices must be integers or None");
    int64_t i = v.as_int();
    if (i < 0) i = std::max<int64_t>(0, i + static_cast<int64_t>(len));
    return static_cast<size_t>(std::min<int64_t>(i, static_cast<int64_t>(len)));
  };
  const size_t start = clamp(a.get(start_index), 0);
  const size_t end = clamp(a.get(start_index + 1), static_cast<int64_t>(len));
  return {start, std::max(start, end)};
}

std::u32string u32(const Value& v, const char* what) {
  if (!v.is_string()) fail(std::string(what) + " must be str, not " + type_name(v));
  return decode_utf8(v.as_string());
}

Value affix_test(const std::u32string& s, const ArgBinder& a, bool at_end) {
  const auto [start, end] = bounds(a, 1, s.size());
  const std::u32string_view window = std::u32string_view(s).substr(start, end - start);
  std::vector<Value> candidates =
      a.get(0).is_list() ? a.get(0).as_list().items : std::vector<Value>{a.get(0)};
  for (const Value& c : candidates) {
    const std::u32string affix = u32(c, at_end ? "endswith argument" : "startswith argument");
    if (affix.size() > window.size()) continue;
    if (at_end ? window.substr(window.size() - affix.size()) == affix
               : window.substr(0, affix.size()) == affix) {
      return Value(true);
    }
  }
  return Value(false);
}

Value find_sub(const std::u32string& s, const ArgBinder& a, bool reverse, bool must_find) {
  const std::u32string sub = u32(a.get(0), "substring");
  const auto [start, end] = bounds(a, 1, s.size());
  const std::u32string_view window = std::u32string_view(s).substr(start, end - start);
  const size_t at = reverse ? window.rfind(sub) : window.find(sub);
  if (at == std::u32string_view::npos) {
    if (must_find) fail("substring not found");
    return Value(-1);
  }
  return Value(static_cast<int64_t>(start + at));
}

Value split_result(std::vector<std::string> parts) {
  std::vector<Value> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.emplace_back(std::move(p));
  return Value::list(std::move(out));
}

Value justify(const std::string& s, const ArgBinder& a, char side) {
  const int64_t width = std::min<int64_t>(a.get_int(0, 0), 1 << 20);
  const std::string fill = a.get_string(1, " ");
  if (utf8_length(fill) != 1) fail("the fill character must be exactly one character long");
  const int64_t len = static_cast<int64_t>(utf8_length(s));
  if (width <= len) return Value(s);
  const int64_t marg = width - len;
  const int64_t left = side == 'r' ? marg : side == 'l' ? 0 : marg / 2 + (marg & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return Value(std::move(out));
}

template <typename Pred>
Value all_chars(const std::string& s, Pred pred) {
  const std::u32string cps = decode_utf8(s);
  return Value(!cps.empty() && std::all_of(cps.begin(), cps.end(), pred));
}

Value partition(const std::string& s, const Value& sep_value, bool from_right) {
  if (!sep_value.is_string() || sep_value.as_string().empty())
    fail("partition needs a non-empty str separator");
  const std::string& sep = sep_value.as_string();
  const size_t at = from_right ? s.rfind(sep) : s.find(sep);
  if (at == std::string::npos) {
    return from_right ? Value::list({Value(""), Value(""), Value(s)}, true)
                      : Value::list({Value(s), Value(""), Value("")}, true);
  }
  return Value::list({Value(s.substr(0, at)), Value(sep), Value(s.substr(at + sep.size()))}, true);
}

void no_args(const CallArgs& args, const std::string& what) { ArgBinder check(args, what, {}); }

Value str_call_more(Interp& in, const std::string& s, std::string_view name, const CallArgs& args) {
  const std::string what = "str." + std::string(name) + "()";
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal")
    return no_args(args, what), all_chars(s, is_py_digit);
  if (name == "isalpha") return no_args(args, what), all_chars(s, is_py_alpha);
  if (name == "isalnum")
    return no_args(args, what), all_chars(s, [](char32_t c) { return is_py_alpha(c) || is_py_digit(c); });
  if (name == "isspace") return no_args(args, what), all_chars(s, is_py_space);
  if (name == "isascii") return no_args(args, what), Value(is_ascii(s));
  if (name == "islower" || name == "isupper") {
    ArgBinder a(args, what, {});
    CallArgs none;
    return Value(in.apply_test_by_name(name == "islower" ? "lower" : "upper", Value(s), none));
  }
  if (name == "zfill") {
    ArgBinder a(args, what, {"width"});
    const int64_t width = std::min<int64_t>(a.get_int(0, 0), 1 << 20);
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return Value(s);
    const size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    return Value(s.substr(0, sign) + std::string(static_cast<size_t>(width - len), '0') + s.substr(sign));
  }
  if (name == "ljust" || name == "rjust" || name == "center") {
    return justify(s, ArgBinder(args, what, {"width", "fillchar"}),
                   name == "ljust"   ? 'l'
                   : name == "rjust" ? 'r'
                                     : 'c');
  }
  if (name == "partition" || name == "rpartition") {
    ArgBinder a(args, what, {"sep"});
    return partition(s, a.get(0), name == "rpartition");
  }
  if (name == "removeprefix" || name == "removesuffix") {
    ArgBinder a(args, what, {"affix"});
    const std::string affix = a.get_string(0, "");
    if (name == "removeprefix") return Value(s.rfind(affix, 0) == 0 ? s.substr(affix.size()) : s);
    const bool ends =
        s.size() >= affix.size() && s.compare(s.size() - affix.size(), affix.size(), affix) == 0;
    return Value(ends ? s.substr(0, s.size() - affix.size()) : s);
  }
  fail(what + " is not supported in chat templates");
}

Value str_call(Interp& in, const std::string& s, std::string_view name, const CallArgs& args) {
  in.charge(static_cast<int64_t>(s.size() / 64));
  const std::string what = "str." + std::string(name) + "()";
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgBinder a(args, what, {"chars"});
    const StripSide side = name == "strip"    ? StripSide::kBoth
                           : name == "lstrip" ? StripSide::kLeft
                                              : StripSide::kRight;
    if (a.get(0).is_undefined() || a.get(0).is_none()) return Value(str_strip(s, side));
    const std::u32string chars = u32(a.get(0), "strip argument");
    return Value(str_strip(s, side, &chars));
  }
  if (name == "split" || name == "rsplit") {
    ArgBinder a(args, what, {"sep", "maxsplit"});
    const int64_t maxsplit = a.get_int(1, -1);
    if (a.get(0).is_undefined() || a.get(0).is_none())
      return split_result(name == "split" ? str_split(s, nullptr, maxsplit)
                                          : str_rsplit(s, nullptr, maxsplit));
    if (!a.get(0).is_string()) fail(what + ": separator must be str or None, not " + type_name(a.get(0)));
    const std::string& sep = a.get(0).as_string();
    if (sep.empty()) fail(what + ": empty separator");
    return split_result(name == "split" ? str_split(s, &sep, maxsplit) : str_rsplit(s, &sep, maxsplit));
  }
  if (name == "splitlines")
    return split_result(str_splitlines(s, ArgBinder(args, what, {"keepends"}).get_bool(0, false)));
  if (name == "startswith" || name == "endswith") {
    ArgBinder a(args, what, {"prefix", "start", "end"});
    if (!a.has(1) && !a.has(2) && a.get(0).is_string()) {  // UTF-8 affixes compare bytewise
      const std::string& affix = a.get(0).as_string();
      if (affix.size() > s.size()) return Value(false);
      return Value(s.compare(name == "endswith" ? s.size() - affix.size() : 0, affix.size(), affix) == 0);
    }
    return affix_test(decode_utf8(s), a, name == "endswith");
  }
  if (name == "upper" || name == "lower" || name == "casefold")
    return no_args(args, what), Value(name == "upper" ? str_upper(s) : str_lower(s));
  if (name == "title") return no_args(args, what), Value(str_py_title(s));
  if (name == "capitalize") return no_args(args, what), Value(str_capitalize(s));
  if (name == "swapcase") return no_args(args, what), Value(str_swapcase(s));
  if (name == "replace") {
    ArgBinder a(args, what, {"old", "new", "count"});
    if (!a.get(0).is_string() || !a.get(1).is_string()) fail(what + " needs str arguments");
    std::string out = str_replace(s, a.get(0).as_string(), a.get(1).as_string(), a.get_int(2, -1));
    in.check_size(out.size());
    return Value(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    return find_sub(decode_utf8(s), ArgBinder(args, what, {"sub", "start", "end"}), name[0] == 'r',
                    name.find("index") != std::string_view::npos);
  }
  if (name == "count") {
    ArgBinder a(args, what, {"sub", "start", "end"});
    const std::u32string cps = decode_utf8(s);
    const std::u32string sub = u32(a.get(0), "substring");
    const auto [start, end] = bounds(a, 1, cps.size());
    const std::u32string_view window = std::u32string_view(cps).substr(start, end - start);
    if (sub.empty()) return Value(static_cast<int64_t>(window.size() + 1));
    int64_t n = 0;
    for (size_t at = window.find(sub); at != std::u32string_view::npos;
         at = window.find(sub, at + sub.size()))
      ++n;
    return Value(n);
  }
  if (name == "join") {
    ArgBinder a(args, what, {"iterable"});
    std::string out;
    bool first = true;
    for (const Value& item : iterate(a.get(0))) {
      if (!item.is_string())
        fail(what + ": sequence item: expected str instance, " + type_name(item) + " found");
      if (!first) out += s;
      first = false;
      out += item.as_string();
      in.check_size(out.size());
    }
    return Value(std::move(out));
  }
  if (name == "format") {
    std::string out = str_format(s, args);
    in.check_size(out.size());
    return Value(std::move(out));
  }
  return str_call_more(in, s, name, args);
}

Value dict_call(Interp& in, const Value& d, std::string_view name, const CallArgs& args) {
  if (listed(kDictUnsafe, name)) unsafe(name, "dict");
  const std::string what = "dict." + std::string(name) + "()";
  const auto& items = d.as_dict().items;
  in.charge(static_cast<int64_t>(items.size()));
  if (name == "get") {
    ArgBinder a(args, what, {"key", "default"});
    const Value* v = d.as_dict().find(a.get(0));
    return v ? *v : a.get_or(1, Value::none());
  }
  ArgBinder a(args, what, {});
  if (name == "copy") return d;
  if (name != "keys" && name != "values" && name != "items")
    fail(what + " is not supported in chat templates");
  std::vector<Value> out;
  for (const auto& [key, value] : items) {
    if (name == "keys")
      out.push_back(key);
    else if (name == "values")
      out.push_back(value);
    else
      out.push_back(Value::list({key, value}, true));
  }
  return Value::list(std::move(out));
}

Value list_call(Interp& in, const Value& l, std::string_view name, const CallArgs& args) {
  if (listed(kListUnsafe, name)) unsafe(name, l.as_list().is_tuple ? "tuple" : "list");
  const std::string what = "list." + std::string(name) + "()";
  const auto& items = l.as_list().items;
  in.charge(static_cast<int64_t>(items.size()));
  if (name == "copy") return no_args(args, what), l;
  ArgBinder a(args, what, {"value"});
  if (name == "count")
    return Value(static_cast<int64_t>(std::count_if(
        items.begin(), items.end(), [&](const Value& v) { return values_equal(v, a.get(0)); })));
  for (size_t i = 0; i < items.size(); ++i) {
    if (values_equal(items[i], a.get(0))) return Value(static_cast<int64_t>(i));
  }
  fail(to_repr(a.get(0)) + " is not in list");
}

}  // namespace

bool has_method(const Value& obj, std::string_view name) {
  if (obj.is_string()) return listed(kStrMethods, name);
  if (obj.is_dict()) return listed(kDictMethods, name);
  if (obj.is_generator()) return false;
  if (obj.is_list())
    return obj.as_list().is_tuple ? (name == "count" || name == "index") : listed(kListMethods, name);
  return false;
}

Value call_method(Interp& in, const Value& obj, std::string_view name, const CallArgs& args) {
  if (obj.is_string()) return str_call(in, obj.as_string(), name, args);
  if (obj.is_dict()) return dict_call(in, obj, name, args);
  if (obj.is_list()) return list_call(in, obj, name, args);
  fail(quoted(type_name(obj)) + " object has no method " + quoted(name));
}

}  // namespace llmc::jinja
