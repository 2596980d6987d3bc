// Python's text forms of values: float repr, string repr, `%` formatting and str.format().
// Templates print numbers and build strings with these, so they must match CPython byte for byte.
#pragma once

#include <string>
#include <string_view>

#include "engine/chat/jinja_value.h"

namespace llmc::jinja {

std::string format_float(double v);           // repr(float): "1.0", "1e+16", "0.30000000000000004"
std::string repr_string(std::string_view s);  // repr(str): quotes and escapes as CPython

// `fmt % args` (printf style). args is a tuple for several values, a dict for %(name)s, else one value.
std::string percent_format(std::string_view fmt, const Value& args);

// fmt.format(*positional, **named) with the format-spec mini-language for str, int and float.
std::string str_format(std::string_view fmt, const CallArgs& args);

// format(value, spec) as used by str.format.
std::string format_with_spec(const Value& v, std::string_view spec);

}  // namespace llmc::jinja
