// The value model of the Jinja interpreter: Python's types as templates see them.
//
// Values are cheap to copy (scalars inline, everything else behind a shared pointer). Lists and dicts are
// immutable once built, as in HF's ImmutableSandboxedEnvironment; only namespace objects change in place.
// Undefined carries a hint ("'foo' is undefined") used when an operation on it must fail.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmc::jinja {

// Thrown by the interpreter; ChatTemplate turns it into llmc::Error with the template position.
class TemplateError : public std::runtime_error {
 public:
  explicit TemplateError(const std::string& message) : std::runtime_error(message) {}
};

// raise_exception() from the template: the message is the template author's, shown as is.
class RaisedError : public TemplateError {
 public:
  explicit RaisedError(const std::string& message) : TemplateError(message) {}
};

class Value;
class Interp;
struct CallArgs;

struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;
  // What Jinja's map/select/unique/items/batch/reverse return: an iterator, always true, with no len()
  // and no indexing. Kept materialised here, but it behaves (and fails) as the generator would.
  bool is_generator = false;
};

// Insertion-ordered like a Python dict; lookups are linear, which suits the small dicts of chat messages.
struct DictData {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  const Value* find(const std::string& key) const { return find(std::string_view(key)); }
  const Value* find(const char* key) const { return find(std::string_view(key)); }
  void set(Value key, Value value);  // replaces an equal key in place, else appends
};

// Attribute bags: namespace() objects (mutable through `set ns.x`), the loop variable, joiners.
struct ObjectData {
  std::string type_name;  // "Namespace", "LoopContext"
  DictData attrs;
  bool is_namespace = false;
};

using NativeFn = std::function<Value(Interp&, CallArgs&)>;

struct CallableData {
  std::string name;  // for messages and printing
  NativeFn fn;
};

enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,
  kDict,
  kObject,
  kCallable
};

class Value {
 public:
  Value() = default;  // undefined, no hint
  Value(bool b) : kind_(Kind::kBool) { num_.b = b; }
  Value(int v) : Value(static_cast<int64_t>(v)) {}
  Value(int64_t v) : kind_(Kind::kInt) { num_.i = v; }
  Value(double v) : kind_(Kind::kFloat) { num_.f = v; }
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}

  static Value undefined(std::string hint);
  static Value none();
  static Value list(std::vector<Value> items, bool is_tuple = false);
  static Value generator(std::vector<Value> items);
  static Value dict(DictData data);
  static Value object(std::shared_ptr<ObjectData> data);
  static Value callable(std::string name, NativeFn fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_int() const { return kind_ == Kind::kInt || kind_ == Kind::kBool; }  // Python: bool is an int
  bool is_number() const { return is_int() || kind_ == Kind::kFloat; }
  bool is_list() const { return kind_ == Kind::kList; }  // lists, tuples and generators
  bool is_generator() const;
  bool is_dict() const { return kind_ == Kind::kDict; }

  bool as_bool() const { return num_.b; }
  int64_t as_int() const { return kind_ == Kind::kBool ? (num_.b ? 1 : 0) : num_.i; }
  double as_double() const { return kind_ == Kind::kFloat ? num_.f : static_cast<double>(as_int()); }
  const std::string& as_string() const;  // string value, or the hint of an undefined
  const ListData& as_list() const;
  const DictData& as_dict() const;
  ObjectData& as_object() const;
  const CallableData& as_callable() const;
  const void* identity() const { return ptr_.get(); }

 private:
  Kind kind_ = Kind::kUndefined;
  union {
    bool b;
    int64_t i;
    double f;
  } num_{};
  std::shared_ptr<void> ptr_;
};

// Python semantics, each failing with TemplateError where Python raises TypeError.
bool truthy(const Value& v);
bool values_equal(const Value& a, const Value& b);
int compare_values(const Value& a, const Value& b);        // <0, 0, >0; errors on unorderable types
std::string to_str(const Value& v);                        // str(v); undefined prints as ""
std::string to_repr(const Value& v);                       // repr(v)
std::string type_name(const Value& v);                     // "str", "int", "NoneType", "dict", ...
bool contains(const Value& container, const Value& item);  // `item in container`

// 'text' in single quotes, for messages. (Built by appending: GCC 12 warns falsely on "'" + string.)
std::string quoted(std::string_view text);

// Fails with the undefined's hint; used wherever Jinja's Undefined raises.
[[noreturn]] void fail_undefined(const Value& v);
[[noreturn]] void fail(const std::string& message);

// Items of an iteration: list items, dict keys, string characters; undefined yields nothing.
std::vector<Value> iterate(const Value& v);

}  // namespace llmc::jinja
