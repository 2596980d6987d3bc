// Global functions: Jinja's range, dict, namespace and joiner, plus HF's raise_exception and strftime_now.
#include <ctime>
#include <memory>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_interp.h"

namespace llmc::jinja {
namespace {

Value g_range(Interp& in, CallArgs& args) {
  if (!args.named.empty()) fail("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3)
    fail("range() expects 1 to 3 integer arguments, got " + std::to_string(p.size()));
  for (const Value& v : p) {
    if (!v.is_int()) fail("range() arguments must be integers, got " + type_name(v));
  }
  const int64_t start = p.size() == 1 ? 0 : p[0].as_int();
  const int64_t stop = p.size() == 1 ? p[0].as_int() : p[1].as_int();
  const int64_t step = p.size() == 3 ? p[2].as_int() : 1;
  if (step == 0) fail("range() arg 3 must not be zero");
  // Computed in floating point so extreme bounds cannot overflow before the size check.
  const double span = (static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step);
  if (span > static_cast<double>(kMaxRange)) {
    fail("range too big: the sandbox allows at most " + std::to_string(kMaxRange) + " items");
  }
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) items.emplace_back(i);
  in.charge(static_cast<int64_t>(items.size()));
  return Value::list(std::move(items));
}

// dict(mapping_or_pairs, **kwargs); also the argument form namespace() accepts.
DictData dict_from_args(const CallArgs& args, const char* what) {
  DictData d;
  if (args.positional.size() > 1) fail(std::string(what) + "() takes at most one positional argument");
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      d = src.as_dict();
    } else {
      for (const Value& pair : iterate(src)) {
        const std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2) fail(std::string(what) + "(): sequence elements must be key/value pairs");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [key, value] : args.named) d.set(Value(key), value);
  return d;
}

Value g_dict(Interp&, CallArgs& args) { return Value::dict(dict_from_args(args, "dict")); }

Value g_namespace(Interp& in, CallArgs& args) {
  auto ns = in.make_namespace();
  ns->attrs = dict_from_args(args, "namespace");
  for (const auto& [key, value] : ns->attrs.items) {
    if (!key.is_string()) fail("namespace() keys must be strings");
  }
  return Value::object(std::move(ns));
}

Value g_joiner(Interp&, CallArgs& args) {
  ArgBinder a(args, "joiner()", {"sep"});
  const std::string sep = a.get_string(0, ", ");
  auto used = std::make_shared<bool>(false);
  return Value::callable("joiner", [sep, used](Interp&, CallArgs& call_args) {
    ArgBinder none(call_args, "joiner", {});
    if (!*used) {
      *used = true;
      return Value(std::string());
    }
    return Value(sep);
  });
}

Value g_raise_exception(Interp&, CallArgs& args) {
  ArgBinder a(args, "raise_exception()", {"message"});
  throw RaisedError(a.get_string(0, ""));
}

Value g_strftime_now(Interp&, CallArgs& args) {
  ArgBinder a(args, "strftime_now()", {"format"});
  if (!a.get(0).is_string()) fail("strftime_now() needs a format string");
  const std::string& format = a.get(0).as_string();
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  if (format.empty()) return Value(std::string());
  for (size_t size = 256; size <= 65536; size *= 4) {
    std::string buf(size, '\0');
    const size_t n = std::strftime(buf.data(), buf.size(), format.c_str(), &local);
    if (n > 0) {
      buf.resize(n);
      return Value(std::move(buf));
    }
  }
  return Value(std::string());  // strftime yields nothing for formats such as "%p" in some locales
}

}  // namespace

void install_globals(Scope& scope) {
  scope.set("range", Value::callable("built-in function range", g_range));
  scope.set("dict", Value::callable("built-in function dict", g_dict));
  scope.set("namespace", Value::callable("built-in function namespace", g_namespace));
  scope.set("joiner", Value::callable("built-in function joiner", g_joiner));
  scope.set("raise_exception", Value::callable("function raise_exception", g_raise_exception));
  scope.set("strftime_now", Value::callable("function strftime_now", g_strftime_now));
}

}  // namespace llmc::jinja
