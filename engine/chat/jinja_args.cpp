#include "engine/chat/jinja_args.h"

namespace llmc::jinja {
namespace {
const Value kUndefined;
}

ArgBinder::ArgBinder(const CallArgs& args, std::string what, std::initializer_list<std::string_view> params)
    : what_(std::move(what)), names_(params), bound_(params.size(), nullptr) {
  if (args.positional.size() > names_.size()) {
    fail(what_ + " takes at most " + std::to_string(names_.size()) + " argument(s), got " +
         std::to_string(args.positional.size()));
  }
  for (size_t i = 0; i < args.positional.size(); ++i) bound_[i] = &args.positional[i];
  for (const auto& [name, value] : args.named) {
    size_t index = 0;
    while (index < names_.size() && names_[index] != name) ++index;
    if (index == names_.size()) fail(what_ + " got an unexpected keyword argument '" + name + "'");
    if (bound_[index] != nullptr) fail(what_ + " got multiple values for argument '" + name + "'");
    bound_[index] = &value;
  }
}

const Value& ArgBinder::get(size_t index) const { return bound_[index] ? *bound_[index] : kUndefined; }

Value ArgBinder::get_or(size_t index, Value fallback) const {
  return bound_[index] ? *bound_[index] : std::move(fallback);
}

int64_t ArgBinder::get_int(size_t index, int64_t fallback) const {
  if (!bound_[index]) return fallback;
  const Value& v = *bound_[index];
  if (v.is_int()) return v.as_int();
  fail(what_ + ": argument '" + std::string(names_[index]) + "' must be an integer, got " + type_name(v));
}

bool ArgBinder::get_bool(size_t index, bool fallback) const {
  return bound_[index] ? truthy(*bound_[index]) : fallback;
}

std::string ArgBinder::get_string(size_t index, std::string fallback) const {
  return bound_[index] ? to_str(*bound_[index]) : std::move(fallback);
}

}  // namespace llmc::jinja
