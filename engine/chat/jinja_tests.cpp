// Jinja's tests (`x is defined`, `x is divisibleby 3`) and their registry.
#include <cmath>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_interp.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

const Value& one_arg(const CallArgs& args, const char* test) {
  if (args.positional.size() != 1 || !args.named.empty())
    fail(std::string("test '") + test + "' takes exactly one argument");
  return args.positional[0];
}

void no_args(const CallArgs& args, const char* test) {
  if (!args.positional.empty() || !args.named.empty())
    fail(std::string("test '") + test + "' takes no arguments");
}

double remainder_of(const Value& v, const Value& divisor, const char* test) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number() || !divisor.is_number())
    fail(std::string("test '") + test + "' needs numbers, got " + type_name(v));
  if (v.is_int() && divisor.is_int()) {
    if (divisor.as_int() == 0) fail("integer division or modulo by zero");
    return static_cast<double>(v.as_int() % divisor.as_int());
  }
  if (divisor.as_double() == 0) fail("float modulo by zero");
  return std::fmod(v.as_double(), divisor.as_double());
}

#define LLMC_SIMPLE_TEST(fn, label, expr)                  \
  bool fn(Interp&, const Value& v, const CallArgs& args) { \
    no_args(args, label);                                  \
    return (expr);                                         \
  }

LLMC_SIMPLE_TEST(t_defined, "defined", !v.is_undefined())
LLMC_SIMPLE_TEST(t_undefined, "undefined", v.is_undefined())
LLMC_SIMPLE_TEST(t_none, "none", v.is_none())
LLMC_SIMPLE_TEST(t_boolean, "boolean", v.kind() == Kind::kBool)
LLMC_SIMPLE_TEST(t_true, "true", v.kind() == Kind::kBool && v.as_bool())
LLMC_SIMPLE_TEST(t_false, "false", v.kind() == Kind::kBool && !v.as_bool())
LLMC_SIMPLE_TEST(t_integer, "integer", v.kind() == Kind::kInt)
LLMC_SIMPLE_TEST(t_float, "float", v.kind() == Kind::kFloat)
LLMC_SIMPLE_TEST(t_number, "number", v.is_number())
LLMC_SIMPLE_TEST(t_string, "string", v.is_string())
LLMC_SIMPLE_TEST(t_mapping, "mapping", v.is_dict())
// Undefined is iterable (empty) and callable (it raises) in Jinja; these tests report what Python does.
LLMC_SIMPLE_TEST(t_iterable, "iterable", v.is_undefined() || v.is_string() || v.is_list() || v.is_dict())
LLMC_SIMPLE_TEST(t_sequence, "sequence",
                 v.is_undefined() || v.is_string() || (v.is_list() && !v.is_generator()) || v.is_dict())
LLMC_SIMPLE_TEST(t_callable, "callable", v.kind() == Kind::kCallable || v.is_undefined())
LLMC_SIMPLE_TEST(t_escaped, "escaped", false)
#undef LLMC_SIMPLE_TEST

bool t_even(Interp&, const Value& v, const CallArgs& args) {
  no_args(args, "even");
  return remainder_of(v, Value(2), "even") == 0;
}

bool t_odd(Interp&, const Value& v, const CallArgs& args) {
  no_args(args, "odd");
  const double r = remainder_of(v, Value(2), "odd");
  return r == 1 || r == -1;
}

bool t_divisibleby(Interp&, const Value& v, const CallArgs& args) {
  return remainder_of(v, one_arg(args, "divisibleby"), "divisibleby") == 0;
}

bool cased_all(const Value& v, bool upper) {
  bool any_cased = false;
  for (char32_t c : decode_utf8(to_str(v))) {
    if (upper ? is_py_cased_lower(c) : is_py_cased_upper(c)) return false;
    if (is_py_cased_lower(c) || is_py_cased_upper(c)) any_cased = true;
  }
  return any_cased;
}

bool t_lower(Interp&, const Value& v, const CallArgs& args) {
  no_args(args, "lower");
  return cased_all(v, false);
}

bool t_upper(Interp&, const Value& v, const CallArgs& args) {
  no_args(args, "upper");
  return cased_all(v, true);
}

bool t_eq(Interp&, const Value& v, const CallArgs& args) { return values_equal(v, one_arg(args, "eq")); }
bool t_ne(Interp&, const Value& v, const CallArgs& args) { return !values_equal(v, one_arg(args, "ne")); }
bool t_lt(Interp&, const Value& v, const CallArgs& args) {
  return compare_values(v, one_arg(args, "lt")) < 0;
}
bool t_le(Interp&, const Value& v, const CallArgs& args) {
  return compare_values(v, one_arg(args, "le")) <= 0;
}
bool t_gt(Interp&, const Value& v, const CallArgs& args) {
  return compare_values(v, one_arg(args, "gt")) > 0;
}
bool t_ge(Interp&, const Value& v, const CallArgs& args) {
  return compare_values(v, one_arg(args, "ge")) >= 0;
}

bool t_in(Interp& in, const Value& v, const CallArgs& args) {
  const Value& container = one_arg(args, "in");
  if (container.is_list()) in.charge(static_cast<int64_t>(container.as_list().items.size()));
  return contains(container, v);
}

// Python's `is`: singletons and small scalars compare by value, containers by identity.
bool t_sameas(Interp&, const Value& v, const CallArgs& args) {
  const Value& other = one_arg(args, "sameas");
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Kind::kNone:
    case Kind::kUndefined:
      return true;
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kString:
      return values_equal(v, other);
    default:
      return v.identity() == other.identity();
  }
}

bool t_filter(Interp&, const Value& v, const CallArgs& args) {
  no_args(args, "filter");
  return v.is_string() && find_filter(v.as_string()) != nullptr;
}

bool t_test(Interp&, const Value& v, const CallArgs& args) {
  no_args(args, "test");
  return v.is_string() && find_test(v.as_string()) != nullptr;
}

struct NamedTest {
  std::string_view name;
  TestFn fn;
};

constexpr NamedTest kTests[] = {
    {"boolean", t_boolean},
    {"callable", t_callable},
    {"defined", t_defined},
    {"divisibleby", t_divisibleby},
    {"eq", t_eq},
    {"==", t_eq},
    {"equalto", t_eq},
    {"escaped", t_escaped},
    {"even", t_even},
    {"false", t_false},
    {"filter", t_filter},
    {"float", t_float},
    {"ge", t_ge},
    {">=", t_ge},
    {"gt", t_gt},
    {">", t_gt},
    {"greaterthan", t_gt},
    {"in", t_in},
    {"integer", t_integer},
    {"iterable", t_iterable},
    {"le", t_le},
    {"<=", t_le},
    {"lower", t_lower},
    {"lt", t_lt},
    {"<", t_lt},
    {"lessthan", t_lt},
    {"mapping", t_mapping},
    {"ne", t_ne},
    {"!=", t_ne},
    {"none", t_none},
    {"number", t_number},
    {"odd", t_odd},
    {"sameas", t_sameas},
    {"sequence", t_sequence},
    {"string", t_string},
    {"test", t_test},
    {"true", t_true},
    {"undefined", t_undefined},
    {"upper", t_upper},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& t : kTests) {
    if (t.name == name) return t.fn;
  }
  return nullptr;
}

}  // namespace llmc::jinja
