#include "engine/chat/jinja_value.h"

#include <cmath>

#include "engine/chat/jinja_pyformat.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

const std::string kEmpty;

template <typename T>
std::shared_ptr<void> share(T value) {
  return std::make_shared<T>(std::move(value));
}

bool number_equal(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
  return a.as_double() == b.as_double();
}

bool dict_equal(const DictData& a, const DictData& b) {
  if (a.items.size() != b.items.size()) return false;
  for (const auto& [key, value] : a.items) {
    const Value* other = b.find(key);
    if (other == nullptr || !values_equal(value, *other)) return false;
  }
  return true;
}

std::string repr_sequence(const ListData& list) {
  std::string out = list.is_tuple ? "(" : "[";
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i) out += ", ";
    out += to_repr(list.items[i]);
  }
  if (list.is_tuple && list.items.size() == 1) out += ",";
  out += list.is_tuple ? ")" : "]";
  return out;
}

std::string repr_dict(const DictData& dict) {
  std::string out = "{";
  for (size_t i = 0; i < dict.items.size(); ++i) {
    if (i) out += ", ";
    out += to_repr(dict.items[i].first) + ": " + to_repr(dict.items[i].second);
  }
  return out + "}";
}

}  // namespace

const Value* DictData::find(const Value& key) const {
  for (const auto& item : items) {
    if (values_equal(item.first, key)) return &item.second;
  }
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& item : items) {
    if (item.first.is_string() && item.first.as_string() == key) return &item.second;
  }
  return nullptr;
}

void DictData::set(Value key, Value value) {
  for (auto& item : items) {
    if (values_equal(item.first, key)) {
      item.second = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

Value::Value(std::string s) : kind_(Kind::kString), ptr_(share(std::move(s))) {}

Value Value::undefined(std::string hint) {
  Value v;
  v.ptr_ = share(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::list(std::vector<Value> items, bool is_tuple) {
  Value v;
  v.kind_ = Kind::kList;
  v.ptr_ = share(ListData{std::move(items), is_tuple});
  return v;
}

Value Value::generator(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  v.ptr_ = share(ListData{std::move(items), false, true});
  return v;
}

bool Value::is_generator() const { return kind_ == Kind::kList && as_list().is_generator; }

Value Value::dict(DictData data) {
  Value v;
  v.kind_ = Kind::kDict;
  v.ptr_ = share(std::move(data));
  return v;
}

Value Value::object(std::shared_ptr<ObjectData> data) {
  Value v;
  v.kind_ = Kind::kObject;
  v.ptr_ = std::move(data);
  return v;
}

Value Value::callable(std::string name, NativeFn fn) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.ptr_ = share(CallableData{std::move(name), std::move(fn)});
  return v;
}

const std::string& Value::as_string() const {
  return ptr_ ? *static_cast<const std::string*>(ptr_.get()) : kEmpty;
}
const ListData& Value::as_list() const { return *static_cast<const ListData*>(ptr_.get()); }
const DictData& Value::as_dict() const { return *static_cast<const DictData*>(ptr_.get()); }
ObjectData& Value::as_object() const { return *static_cast<ObjectData*>(ptr_.get()); }
const CallableData& Value::as_callable() const { return *static_cast<const CallableData*>(ptr_.get()); }

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return v.as_bool();
    case Kind::kInt:
      return v.as_int() != 0;
    case Kind::kFloat:
      return v.as_double() != 0.0;
    case Kind::kString:
      return !v.as_string().empty();
    case Kind::kList:
      return v.as_list().is_generator || !v.as_list().items.empty();
    case Kind::kDict:
      return !v.as_dict().items.empty();
    default:
      return true;
  }
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return number_equal(a, b);
  if (a.kind() != b.kind()) return false;
  if (a.is_generator() || b.is_generator()) return a.identity() == b.identity();
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.as_string() == b.as_string();
    case Kind::kList: {
      const ListData& x = a.as_list();
      const ListData& y = b.as_list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!values_equal(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Kind::kDict:
      return dict_equal(a.as_dict(), b.as_dict());
    default:
      return a.identity() == b.identity();
  }
}

int compare_values(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    const double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());  // UTF-8 byte order is code-point order
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple && !a.is_generator() &&
      !b.is_generator()) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!values_equal(x[i], y[i])) return compare_values(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  fail("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return v.as_string();
    case Kind::kObject: {
      const ObjectData& o = v.as_object();
      return o.is_namespace ? "<Namespace " + repr_dict(o.attrs) + ">" : "<" + o.type_name + ">";
    }
    default:
      return to_repr(v);
  }
}

std::string to_repr(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return v.as_bool() ? "True" : "False";
    case Kind::kInt:
      return std::to_string(v.as_int());
    case Kind::kFloat:
      return format_float(v.as_double());
    case Kind::kString:
      return repr_string(v.as_string());
    case Kind::kList:
      return v.is_generator() ? "<generator object>" : repr_sequence(v.as_list());
    case Kind::kDict:
      return repr_dict(v.as_dict());
    case Kind::kObject:
      return to_str(v);
    case Kind::kCallable:
      return "<" + v.as_callable().name + ">";
  }
  return "";
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return v.is_generator() ? "generator" : v.as_list().is_tuple ? "tuple" : "list";
    case Kind::kDict:
      return "dict";
    case Kind::kObject:
      return v.as_object().type_name;
    case Kind::kCallable:
      return "function";
  }
  return "object";
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::kUndefined:
      return false;
    case Kind::kString:
      if (!item.is_string()) fail("'in <string>' requires string as left operand, not " + type_name(item));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Kind::kList:
      for (const Value& v : container.as_list().items) {
        if (values_equal(v, item)) return true;
      }
      return false;
    case Kind::kDict:
      if (item.is_list() || item.is_dict()) fail("unhashable type: " + quoted(type_name(item)));
      return container.as_dict().find(item) != nullptr;
    default:
      fail("argument of type '" + type_name(container) + "' is not iterable");
  }
}

void fail_undefined(const Value& v) {
  const std::string& hint = v.as_string();
  fail(hint.empty() ? std::string("value is undefined") : hint);
}

void fail(const std::string& message) { throw TemplateError(message); }

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return {};
    case Kind::kList:
      return v.as_list().items;
    case Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().items.size());
      for (const auto& item : v.as_dict().items) keys.push_back(item.first);
      return keys;
    }
    case Kind::kString: {
      std::vector<Value> chars;
      for (char32_t c : decode_utf8(v.as_string())) {
        std::string s;
        append_utf8(s, c);
        chars.emplace_back(std::move(s));
      }
      return chars;
    }
    default:
      fail(quoted(type_name(v)) + " object is not iterable");
  }
}

}  // namespace llmc::jinja
