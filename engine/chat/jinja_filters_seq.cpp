// Filters on sequences and mappings: length, first/last, join, map/select, sorting, aggregation.
#include <algorithm>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_interp.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {

FilterFn find_sequence_filter(std::string_view name);

namespace {

std::vector<Value> items_of(Interp& in, const Value& v) {
  std::vector<Value> items = iterate(v);
  in.charge(static_cast<int64_t>(items.size()));
  return items;
}

// Jinja's attribute getter: "a.b.0" looks up a, then b, then item 0, each as obj[part].
Value attr_path(Interp& in, const Value& item, const Value& attribute) {
  if (attribute.is_int()) return in.getitem(item, attribute);
  const std::string dot = ".";
  Value cur = item;
  for (const std::string& part : str_split(to_str(attribute), &dot, -1)) {
    const bool digits = !part.empty() && part.size() <= 18 &&
                        std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    cur = in.getitem(cur, digits ? Value(static_cast<int64_t>(std::stoll(part))) : Value(part));
  }
  return cur;
}

Value sort_key(const Value& v, bool case_sensitive) {
  return (!case_sensitive && v.is_string()) ? Value(str_lower(v.as_string())) : v;
}

// A key per item: the item itself or its attribute(s) (sort accepts "a,b"), lower-cased unless
// case_sensitive.
std::vector<Value> keys_for(Interp& in, const std::vector<Value>& items, const Value& attribute,
                            bool case_sensitive, bool allow_multiple) {
  std::vector<std::string> attrs;
  if (!attribute.is_undefined() && !attribute.is_none()) {
    const std::string comma = ",";
    if (allow_multiple && attribute.is_string())
      attrs = str_split(attribute.as_string(), &comma, -1);
    else
      attrs.push_back(to_str(attribute));
  }
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const Value& item : items) {
    if (attrs.empty()) {
      keys.push_back(sort_key(item, case_sensitive));
    } else if (attrs.size() == 1) {
      keys.push_back(
          sort_key(attr_path(in, item, attribute.is_int() ? attribute : Value(attrs[0])), case_sensitive));
    } else {
      std::vector<Value> parts;
      for (const std::string& a : attrs)
        parts.push_back(sort_key(attr_path(in, item, Value(a)), case_sensitive));
      keys.push_back(Value::list(std::move(parts), true));
    }
  }
  return keys;
}

std::vector<size_t> sorted_order(Interp& in, const std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  in.charge(static_cast<int64_t>(keys.size()) * 8);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reverse ? compare_values(keys[b], keys[a]) < 0 : compare_values(keys[a], keys[b]) < 0;
  });
  return order;
}

Value f_length(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'length'", {});
  switch (v.kind()) {
    case Kind::kUndefined:
      return Value(0);
    case Kind::kString:
      in.charge(static_cast<int64_t>(v.as_string().size() / 64));
      return Value(static_cast<int64_t>(utf8_length(v.as_string())));
    case Kind::kList:
      if (v.is_generator()) fail("object of type 'generator' has no len()");
      return Value(static_cast<int64_t>(v.as_list().items.size()));
    case Kind::kDict:
      return Value(static_cast<int64_t>(v.as_dict().items.size()));
    default:
      fail("object of type " + quoted(type_name(v)) + " has no len()");
  }
}

Value f_first(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'first'", {});
  if (v.is_list()) {
    const auto& items = v.as_list().items;
    return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
  }
  std::vector<Value> items = items_of(in, v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value f_last(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'last'", {});
  if (v.is_generator()) fail("'generator' object is not reversible");
  if (v.is_list()) {
    const auto& items = v.as_list().items;
    return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
  }
  std::vector<Value> items = items_of(in, v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

Value f_join(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'join'", {"d", "attribute"});
  const std::string sep = a.get_string(0, "");
  std::string out;
  bool first = true;
  for (const Value& item : items_of(in, v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(a.has(1) && !a.get(1).is_none() ? attr_path(in, item, a.get(1)) : item);
    in.check_size(out.size());
  }
  in.charge(static_cast<int64_t>(out.size() / 64));
  return Value(std::move(out));
}

Value f_list(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'list'", {});
  return Value::list(items_of(in, v));
}

Value f_reverse(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'reverse'", {});
  if (v.is_string()) {
    std::u32string cps = decode_utf8(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value(encode_utf8(cps));
  }
  std::vector<Value> items = items_of(in, v);
  std::reverse(items.begin(), items.end());
  return Value::generator(std::move(items));
}

// Jinja's map/select family skip a falsy input (None, "", []) instead of failing to iterate it.
Value f_map(Interp& in, const Value& v, const CallArgs& args) {
  std::vector<Value> out;
  if (!truthy(v)) return Value::generator({});
  if (args.positional.empty()) {
    const Value* attribute = nullptr;
    const Value* dflt = nullptr;
    for (const auto& [name, value] : args.named) {
      if (name == "attribute")
        attribute = &value;
      else if (name == "default")
        dflt = &value;
      else
        fail("filter 'map' got an unexpected keyword argument '" + name + "'");
    }
    if (attribute == nullptr) fail("filter 'map' needs a filter name or attribute=...");
    for (const Value& item : items_of(in, v)) {
      Value x = attr_path(in, item, *attribute);
      out.push_back(x.is_undefined() && dflt ? *dflt : x);
    }
    return Value::generator(std::move(out));
  }
  const std::string filter = to_str(args.positional[0]);
  CallArgs rest{std::vector<Value>(args.positional.begin() + 1, args.positional.end()), args.named};
  for (const Value& item : items_of(in, v)) out.push_back(in.apply_filter_by_name(filter, item, rest));
  return Value::generator(std::move(out));
}

Value select_impl(Interp& in, const Value& v, const CallArgs& args, bool by_attribute, bool keep,
                  const char* what) {
  size_t offset = 0;
  Value attribute;
  if (by_attribute) {
    if (args.positional.empty()) fail(std::string("filter '") + what + "' needs an attribute name");
    attribute = args.positional[0];
    offset = 1;
  }
  const bool has_test = args.positional.size() > offset;
  const std::string test = has_test ? to_str(args.positional[offset]) : "";
  CallArgs test_args;
  if (has_test)
    test_args.positional.assign(args.positional.begin() + static_cast<long>(offset) + 1,
                                args.positional.end());
  test_args.named = args.named;
  std::vector<Value> out;
  if (!truthy(v)) return Value::generator({});
  for (const Value& item : items_of(in, v)) {
    const Value subject = by_attribute ? attr_path(in, item, attribute) : item;
    const bool ok = has_test ? in.apply_test_by_name(test, subject, test_args) : truthy(subject);
    if (ok == keep) out.push_back(item);
  }
  return Value::generator(std::move(out));
}

Value f_select(Interp& in, const Value& v, const CallArgs& a) {
  return select_impl(in, v, a, false, true, "select");
}
Value f_reject(Interp& in, const Value& v, const CallArgs& a) {
  return select_impl(in, v, a, false, false, "reject");
}
Value f_selectattr(Interp& in, const Value& v, const CallArgs& a) {
  return select_impl(in, v, a, true, true, "selectattr");
}
Value f_rejectattr(Interp& in, const Value& v, const CallArgs& a) {
  return select_impl(in, v, a, true, false, "rejectattr");
}

Value f_items(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'items'", {});
  if (v.is_undefined()) return Value::generator({});
  if (!v.is_dict()) fail("filter 'items': can only get item pairs from a mapping, got " + type_name(v));
  std::vector<Value> out;
  in.charge(static_cast<int64_t>(v.as_dict().items.size()));
  for (const auto& [key, value] : v.as_dict().items) out.push_back(Value::list({key, value}, true));
  return Value::generator(std::move(out));
}

Value f_dictsort(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'dictsort'", {"case_sensitive", "by", "reverse"});
  if (!v.is_dict()) fail("filter 'dictsort' needs a mapping, got " + type_name(v));
  const std::string by = a.get_string(1, "key");
  if (by != "key" && by != "value") fail("filter 'dictsort': you can only sort by either 'key' or 'value'");
  const auto& entries = v.as_dict().items;
  std::vector<Value> keys;
  for (const auto& [key, value] : entries)
    keys.push_back(sort_key(by == "key" ? key : value, a.get_bool(0, false)));
  std::vector<Value> out;
  for (size_t i : sorted_order(in, keys, a.get_bool(2, false)))
    out.push_back(Value::list({entries[i].first, entries[i].second}, true));
  return Value::list(std::move(out));
}

Value f_sort(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'sort'", {"reverse", "case_sensitive", "attribute"});
  const std::vector<Value> items = items_of(in, v);
  const std::vector<Value> keys = keys_for(in, items, a.get(2), a.get_bool(1, false), true);
  std::vector<Value> out;
  for (size_t i : sorted_order(in, keys, a.get_bool(0, false))) out.push_back(items[i]);
  return Value::list(std::move(out));
}

Value f_unique(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'unique'", {"case_sensitive", "attribute"});
  const std::vector<Value> items = items_of(in, v);
  const std::vector<Value> keys = keys_for(in, items, a.get(1), a.get_bool(0, false), false);
  std::vector<Value> out, seen;
  for (size_t i = 0; i < items.size(); ++i) {
    in.charge(static_cast<int64_t>(seen.size()));
    const bool dup =
        std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return values_equal(s, keys[i]); });
    if (!dup) seen.push_back(keys[i]), out.push_back(items[i]);
  }
  return Value::generator(std::move(out));
}

Value min_max(Interp& in, const Value& v, const CallArgs& args, bool want_max, const char* what) {
  ArgBinder a(args, what, {"case_sensitive", "attribute"});
  const std::vector<Value> items = items_of(in, v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const std::vector<Value> keys = keys_for(in, items, a.get(1), a.get_bool(0, false), false);
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const int c = compare_values(keys[i], keys[best]);
    if (want_max ? c > 0 : c < 0) best = i;
  }
  return items[best];
}

Value f_max(Interp& in, const Value& v, const CallArgs& a) { return min_max(in, v, a, true, "filter 'max'"); }
Value f_min(Interp& in, const Value& v, const CallArgs& a) {
  return min_max(in, v, a, false, "filter 'min'");
}

Value f_sum(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'sum'", {"attribute", "start"});
  Value total = a.get_or(1, Value(0));
  for (const Value& item : items_of(in, v)) {
    const Value x = a.has(0) && !a.get(0).is_none() ? attr_path(in, item, a.get(0)) : item;
    if (!x.is_number() || !total.is_number())
      fail("unsupported operand type(s) for +: '" + type_name(total) + "' and '" + type_name(x) + "'");
    int64_t r = 0;
    if (total.is_int() && x.is_int() && !__builtin_add_overflow(total.as_int(), x.as_int(), &r))
      total = Value(r);
    else if (total.is_int() && x.is_int())
      fail("integer overflow (values beyond 64 bits are not supported)");
    else
      total = Value(total.as_double() + x.as_double());
  }
  return total;
}

Value f_batch(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'batch'", {"linecount", "fill_with"});
  const int64_t n = a.get_int(0, 0);
  if (n <= 0) fail("filter 'batch' needs a positive line count");
  std::vector<Value> out, row;
  for (const Value& item : items_of(in, v)) {
    row.push_back(item);
    if (static_cast<int64_t>(row.size()) == n) out.push_back(Value::list(std::move(row))), row.clear();
  }
  if (!row.empty()) {
    if (a.has(1) && !a.get(1).is_none()) {
      while (static_cast<int64_t>(row.size()) < n) row.push_back(a.get(1));
    }
    out.push_back(Value::list(std::move(row)));
  }
  return Value::generator(std::move(out));
}

Value f_attr(Interp& in, const Value& v, const CallArgs& args) {
  ArgBinder a(args, "filter 'attr'", {"name"});
  const std::string name = a.get_string(0, "");
  if (v.is_dict() && !has_method(v, name))
    return Value::undefined("'dict object' has no attribute '" + name + "'");
  return in.getattr(v, name);
}

struct NamedFilter {
  std::string_view name;
  FilterFn fn;
};

constexpr NamedFilter kFilters[] = {
    {"attr", f_attr},         {"batch", f_batch},   {"count", f_length},
    {"dictsort", f_dictsort}, {"first", f_first},   {"items", f_items},
    {"join", f_join},         {"last", f_last},     {"length", f_length},
    {"list", f_list},         {"map", f_map},       {"max", f_max},
    {"min", f_min},           {"reject", f_reject}, {"rejectattr", f_rejectattr},
    {"reverse", f_reverse},   {"select", f_select}, {"selectattr", f_selectattr},
    {"sort", f_sort},         {"sum", f_sum},       {"unique", f_unique},
};

}  // namespace

FilterFn find_sequence_filter(std::string_view name) {
  for (const auto& f : kFilters) {
    if (f.name == name) return f.fn;
  }
  return nullptr;
}

}  // namespace llmc::jinja
