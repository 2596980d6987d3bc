// Arguments of a call from a template, bound to a Python-like parameter list.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/chat/jinja_value.h"

namespace llmc::jinja {

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
};

// Binds CallArgs to parameter names as Python would: positional first, then keywords; errors name the
// callable ("filter 'join'") on too many arguments, unknown or repeated keywords.
class ArgBinder {
 public:
  ArgBinder(const CallArgs& args, std::string what, std::initializer_list<std::string_view> params);

  bool has(size_t index) const { return bound_[index] != nullptr; }
  const Value& get(size_t index) const;              // undefined when not given
  Value get_or(size_t index, Value fallback) const;  // fallback when not given
  // Typed accessors: fail naming the parameter when the value has the wrong type.
  int64_t get_int(size_t index, int64_t fallback) const;
  bool get_bool(size_t index, bool fallback) const;                  // any value, by truthiness
  std::string get_string(size_t index, std::string fallback) const;  // str() of the value
  const std::string& what() const { return what_; }

 private:
  std::string what_;
  std::vector<std::string_view> names_;
  std::vector<const Value*> bound_;
};

}  // namespace llmc::jinja
