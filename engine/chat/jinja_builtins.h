// Jinja's built-in filters, tests, globals, and the Python methods templates call on str, dict and list.
// Each lookup returns null (or false) for an unknown name so the caller can report it with a position.
#pragma once

#include <memory>
#include <string_view>

#include "engine/chat/jinja_ast.h"

namespace llmc::jinja {

struct Scope;

FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);
// Names of Jinja built-ins this interpreter leaves out, so the error can say "not supported".
bool is_unsupported_filter(std::string_view name);

// Methods of str, dict and list values (`s.strip()`, `d.items()`). has_method says whether `obj.name`
// names a method (attribute lookup on a dict prefers methods, as Python's getattr does).
bool has_method(const Value& obj, std::string_view name);
Value call_method(Interp& in, const Value& obj, std::string_view name, const CallArgs& args);

// range, dict, namespace, joiner, cycler, raise_exception, strftime_now.
void install_globals(Scope& scope);

// The filters that take a filter or test by name (map, select, ...) and the sandbox bounds use these.
inline constexpr int64_t kMaxRange = 100000;  // Jinja's sandbox MAX_RANGE

}  // namespace llmc::jinja
