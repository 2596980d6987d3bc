// Expression evaluation: names, literals, operators, attribute and item access, calls, filters, tests.
#include <cmath>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_interp.h"
#include "engine/chat/jinja_pyformat.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

std::string object_desc(const Value& obj) {
  return obj.is_none() ? "'None'" : quoted(type_name(obj) + " object");
}

Value no_attribute(const Value& obj, const std::string& name) {
  return Value::undefined(object_desc(obj) + " has no attribute '" + name + "'");
}

[[noreturn]] void overflow() { fail("integer overflow (values beyond 64 bits are not supported)"); }

int64_t checked_add(int64_t x, int64_t y) {
  int64_t r = 0;
  if (__builtin_add_overflow(x, y, &r)) overflow();
  return r;
}

int64_t checked_sub(int64_t x, int64_t y) {
  int64_t r = 0;
  if (__builtin_sub_overflow(x, y, &r)) overflow();
  return r;
}

int64_t checked_mul(int64_t x, int64_t y) {
  int64_t r = 0;
  if (__builtin_mul_overflow(x, y, &r)) overflow();
  return r;
}

int64_t int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = checked_mul(result, base);
    exp >>= 1;
    if (exp > 0) base = checked_mul(base, base);
  }
  return result;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) {
    const int64_t x = a.as_int(), y = b.as_int();
    if (op == "+") return Value(checked_add(x, y));
    if (op == "-") return Value(checked_sub(x, y));
    if (op == "*") return Value(checked_mul(x, y));
    if (op == "/") {
      if (y == 0) fail("division by zero");
      return Value(static_cast<double>(x) / static_cast<double>(y));
    }
    if (op == "//" || op == "%") {
      if (y == 0) fail("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) overflow();
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) --q, m += y;  // Python floors toward negative infinity
      return Value(op == "//" ? q : m);
    }
    if (op == "**") {
      if (y >= 0) return Value(int_pow(x, y));
      if (x == 0) fail("0.0 cannot be raised to a negative power");
      return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
    }
  }
  const double x = a.as_double(), y = b.as_double();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/" || op == "//" || op == "%") {
    if (y == 0) fail("float division by zero");
    if (op == "/") return Value(x / y);
    // CPython's float divmod: the remainder takes the divisor's sign, the quotient is floored.
    double m = std::fmod(x, y);
    double div = (x - m) / y;
    if (m != 0) {
      if ((y < 0) != (m < 0)) m += y, div -= 1.0;
    } else {
      m = std::copysign(0.0, y);
    }
    if (op == "%") return Value(m);
    if (div == 0) return Value(std::copysign(0.0, x / y));
    double floored = std::floor(div);
    if (div - floored > 0.5) floored += 1.0;
    return Value(floored);
  }
  if (x == 0 && y < 0) fail("0.0 cannot be raised to a negative power");
  if (x < 0 && y != std::floor(y))
    fail("negative number raised to a fractional power (complex result) is not supported");
  return Value(std::pow(x, y));
}

Value repeat(Interp& in, const Value& seq, int64_t n) {
  if (n <= 0) return seq.is_string() ? Value(std::string()) : Value::list({}, seq.as_list().is_tuple);
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    in.check_size(s.size() * static_cast<size_t>(std::min<int64_t>(n, INT32_MAX)));
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value(std::move(out));
  }
  const auto& items = seq.as_list().items;
  in.check_size(items.size() * static_cast<size_t>(std::min<int64_t>(n, INT32_MAX)));
  std::vector<Value> out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::list(std::move(out), seq.as_list().is_tuple);
}

// Python's slice.indices(): clamps start/stop for the step's direction.
std::vector<int64_t> slice_indices(int64_t len, const Value& start_v, const Value& stop_v,
                                   const Value& step_v) {
  auto as_index = [](const Value& v) {
    if (!v.is_int()) fail("slice indices must be integers or None, not " + type_name(v));
    return v.as_int();
  };
  const int64_t step = step_v.is_none() ? 1 : as_index(step_v);
  if (step == 0) fail("slice step cannot be zero");
  auto clamp = [&](const Value& v, int64_t dflt) {
    if (v.is_none()) return dflt;
    int64_t i = as_index(v);
    if (i < 0) i += len;
    if (i < 0) return step < 0 ? int64_t{-1} : int64_t{0};
    if (i >= len) return step < 0 ? len - 1 : len;
    return i;
  };
  const int64_t start = clamp(start_v, step < 0 ? len - 1 : 0);
  const int64_t stop = clamp(stop_v, step < 0 ? -1 : len);
  std::vector<int64_t> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(i);
  return out;
}

}  // namespace

Value Interp::eval(const Expr& e) {
  DepthGuard depth(*this);
  step();
  pos_ = e.pos;
  const auto& c = e.children;
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kName: {
      if (const Value* v = scope_->lookup(e.name)) return *v;
      return Value::undefined(quoted(e.name) + " is undefined");
    }
    case ExprKind::kList:
    case ExprKind::kTuple:
    case ExprKind::kDict:
      return eval_display(e);
    case ExprKind::kGetAttr: {
      Value obj = eval(*c[0]);
      pos_ = e.pos;
      return getattr(obj, e.name);
    }
    case ExprKind::kGetItem: {
      Value obj = eval(*c[0]);
      if (c[1]->kind == ExprKind::kSlice) return eval_slice(obj, *c[1]);
      Value key = eval(*c[1]);
      pos_ = e.pos;
      return getitem(obj, key);
    }
    case ExprKind::kCall:
      return eval_call(e);
    case ExprKind::kFilter:
      return eval_filter(e);
    case ExprKind::kTest: {
      Value subject = eval(*c[0]);
      CallArgs args;
      eval_args(e, 1, args);
      pos_ = e.pos;
      return Value(e.test(*this, subject, args));
    }
    case ExprKind::kNeg:
    case ExprKind::kPos:
      return eval_unary(e);
    case ExprKind::kNot:
      return Value(!truthy(eval(*c[0])));
    case ExprKind::kBinary: {
      Value a = eval(*c[0]);
      Value b = eval(*c[1]);
      pos_ = e.pos;
      return eval_binary(e, a, b);
    }
    case ExprKind::kAnd: {
      Value a = eval(*c[0]);
      return truthy(a) ? eval(*c[1]) : a;
    }
    case ExprKind::kOr: {
      Value a = eval(*c[0]);
      return truthy(a) ? a : eval(*c[1]);
    }
    case ExprKind::kCompare:
      return eval_compare(e);
    case ExprKind::kConcat:
      return eval_concat(e);
    case ExprKind::kCondExpr:
      if (truthy(eval(*c[0]))) return eval(*c[1]);
      if (c[2]) return eval(*c[2]);
      return Value::undefined("the inline if-expression at line " + std::to_string(e.pos.line) +
                              " evaluated to false and has no else part");
    case ExprKind::kBlockValue:
      return block_value_ ? *block_value_ : Value();
    case ExprKind::kSlice:
      break;
  }
  fail("a slice is only valid inside []");
}

// List, tuple and dict displays.
Value Interp::eval_display(const Expr& e) {
  const auto& c = e.children;
  if (e.kind != ExprKind::kDict) {
    std::vector<Value> items;
    items.reserve(c.size());
    for (const auto& item : c) items.push_back(eval(*item));
    return Value::list(std::move(items), e.kind == ExprKind::kTuple);
  }
  DictData dict;
  for (size_t i = 0; i + 1 < c.size(); i += 2) {
    charge(static_cast<int64_t>(dict.items.size()));  // set() scans the keys so far
    Value key = eval(*c[i]);
    dict.set(std::move(key), eval(*c[i + 1]));
  }
  return Value::dict(std::move(dict));
}

Value Interp::eval_unary(const Expr& e) {
  Value v = eval(*e.children[0]);
  pos_ = e.pos;
  const bool neg = e.kind == ExprKind::kNeg;
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number())
    fail(std::string("bad operand type for unary ") + (neg ? "-" : "+") + ": " + quoted(type_name(v)));
  if (!neg) return v.kind() == Kind::kBool ? Value(v.as_int()) : v;
  if (v.kind() == Kind::kFloat) return Value(-v.as_double());
  if (v.as_int() == INT64_MIN) overflow();
  return Value(-v.as_int());
}

Value Interp::eval_concat(const Expr& e) {
  std::string out;
  for (const auto& part : e.children) {
    out += to_str(eval(*part));
    check_size(out.size());
  }
  charge(static_cast<int64_t>(out.size() / 64));
  return Value(std::move(out));
}

Value Interp::eval_binary(const Expr& e, const Value& a, const Value& b) {
  const std::string& op = e.name;
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
  if (op == "+" && a.is_string() && b.is_string()) {
    check_size(a.as_string().size() + b.as_string().size());
    charge(static_cast<int64_t>((a.as_string().size() + b.as_string().size()) / 64));
    return Value(a.as_string() + b.as_string());
  }
  if (op == "+" && a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple &&
      !a.is_generator() && !b.is_generator()) {
    check_size(a.as_list().items.size() + b.as_list().items.size());
    charge(static_cast<int64_t>(a.as_list().items.size() + b.as_list().items.size()));
    std::vector<Value> items = a.as_list().items;
    items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
    return Value::list(std::move(items), a.as_list().is_tuple);
  }
  if (op == "*" && (a.is_string() || (a.is_list() && !a.is_generator())) && b.is_int())
    return repeat(*this, a, b.as_int());
  if (op == "*" && a.is_int() && (b.is_string() || (b.is_list() && !b.is_generator())))
    return repeat(*this, b, a.as_int());
  if (op == "%" && a.is_string()) {
    std::string out = percent_format(a.as_string(), b);
    check_size(out.size());
    return Value(std::move(out));
  }
  if (op == "+" && a.is_string()) fail("can only concatenate str (not \"" + type_name(b) + "\") to str");
  fail("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

Value Interp::eval_compare(const Expr& e) {
  Value left = eval(*e.children[0]);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.children[i + 1]);
    pos_ = e.pos;
    const std::string& op = e.ops[i];
    bool result = false;
    if (op == "==")
      result = values_equal(left, right);
    else if (op == "!=")
      result = !values_equal(left, right);
    else if (op == "in" || op == "notin") {
      charge_for(right);
      result = contains(right, left) == (op == "in");
    } else {
      const int c = compare_values(left, right);
      result = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    }
    if (!result) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Value Interp::eval_slice(const Value& obj, const Expr& slice) {
  Value parts[3];
  for (int i = 0; i < 3; ++i) parts[i] = slice.children[i] ? eval(*slice.children[i]) : Value::none();
  pos_ = slice.pos;
  if (obj.is_undefined()) fail_undefined(obj);
  charge_for(obj);
  if (obj.is_string()) {
    const std::u32string cps = decode_utf8(obj.as_string());
    std::u32string out;
    for (int64_t i : slice_indices(static_cast<int64_t>(cps.size()), parts[0], parts[1], parts[2]))
      out.push_back(cps[i]);
    return Value(encode_utf8(out));
  }
  if (obj.is_list() && !obj.is_generator()) {
    const auto& items = obj.as_list().items;
    std::vector<Value> out;
    for (int64_t i : slice_indices(static_cast<int64_t>(items.size()), parts[0], parts[1], parts[2]))
      out.push_back(items[i]);
    return Value::list(std::move(out), obj.as_list().is_tuple);
  }
  // Jinja compiles slices to a plain Python subscript, so other types fail instead of being undefined.
  if (obj.is_dict()) fail("unhashable type: 'slice'");
  fail(quoted(type_name(obj)) + " object is not subscriptable");
}

Value Interp::getattr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      fail_undefined(obj);
    case Kind::kDict: {
      charge_for(obj);
      if (!has_method(obj, name)) {
        if (const Value* v = obj.as_dict().find(name)) return *v;
        return no_attribute(obj, name);
      }
      [[fallthrough]];
    }
    case Kind::kString:
    case Kind::kList:
      if (!has_method(obj, name)) return no_attribute(obj, name);
      return Value::callable(
          "built-in method " + name + " of " + type_name(obj) + " object",
          [obj, name](Interp& in, CallArgs& args) { return call_method(in, obj, name, args); });
    case Kind::kObject:
      if (const Value* v = obj.as_object().attrs.find(name)) return *v;
      return no_attribute(obj, name);
    default:
      return no_attribute(obj, name);
  }
}

Value Interp::getitem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (obj.is_generator()) fail("'generator' object is not subscriptable");
  if (obj.is_string() || obj.is_dict()) charge_for(obj);
  if ((obj.is_list() || obj.is_string()) && key.is_int()) {
    int64_t i = key.as_int();
    if (obj.is_list()) {
      const auto& items = obj.as_list().items;
      const auto n = static_cast<int64_t>(items.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return items[static_cast<size_t>(i)];
    } else {
      const std::u32string cps = decode_utf8(obj.as_string());
      const auto n = static_cast<int64_t>(cps.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return Value(encode_utf8(std::u32string(1, cps[static_cast<size_t>(i)])));
    }
    return Value::undefined(object_desc(obj) + " has no element " + std::to_string(key.as_int()));
  }
  if (obj.is_dict()) {
    if (key.is_list() || key.is_dict()) fail("unhashable type: " + quoted(type_name(key)));
    if (const Value* v = obj.as_dict().find(key)) return *v;
  }
  if (key.is_string()) {  // Jinja falls back to attribute lookup for string keys
    if (obj.is_dict() && !has_method(obj, key.as_string())) return no_attribute(obj, key.as_string());
    return getattr(obj, key.as_string());
  }
  return Value::undefined(object_desc(obj) + " has no element " + to_repr(key));
}

void Interp::eval_args(const Expr& e, size_t first, CallArgs& args) {
  for (size_t i = first; i < e.children.size(); ++i) args.positional.push_back(eval(*e.children[i]));
  for (const auto& [name, expr] : e.kwargs) args.named.emplace_back(name, eval(*expr));
}

Value Interp::eval_call(const Expr& e) {
  const Expr& callee = *e.children[0];
  CallArgs args;
  if (callee.kind == ExprKind::kGetAttr) {  // method call: skip building a bound-method value
    Value obj = eval(*callee.children[0]);
    pos_ = callee.pos;
    if (obj.is_undefined()) fail_undefined(obj);
    const bool method = (obj.is_string() || obj.is_list() || obj.is_dict()) && has_method(obj, callee.name);
    Value fn = method ? Value() : getattr(obj, callee.name);
    eval_args(e, 1, args);
    pos_ = e.pos;
    return method ? call_method(*this, obj, callee.name, args) : call(fn, args);
  }
  Value fn = eval(callee);
  eval_args(e, 1, args);
  pos_ = e.pos;
  return call(fn, args);
}

Value Interp::call(const Value& fn, CallArgs& args) {
  if (fn.kind() == Kind::kCallable) return fn.as_callable().fn(*this, args);
  if (fn.is_undefined()) fail_undefined(fn);
  fail(quoted(type_name(fn)) + " object is not callable");
}

Value Interp::eval_filter(const Expr& e) {
  Value subject = eval(*e.children[0]);
  CallArgs args;
  eval_args(e, 1, args);
  pos_ = e.pos;
  return e.filter(*this, subject, args);
}

Value Interp::apply_filter_by_name(const std::string& name, const Value& subject, const CallArgs& args) {
  const FilterFn fn = find_filter(name);
  if (fn == nullptr) fail("no filter named '" + name + "'");
  return fn(*this, subject, args);
}

bool Interp::apply_test_by_name(const std::string& name, const Value& subject, const CallArgs& args) {
  const TestFn fn = find_test(name);
  if (fn == nullptr) fail("no test named '" + name + "'");
  return fn(*this, subject, args);
}

}  // namespace llmc::jinja
