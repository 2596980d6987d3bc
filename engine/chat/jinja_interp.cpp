// Statement execution: output, control flow, assignment, loops, macros, call and filter blocks.
#include "engine/chat/jinja_interp.h"

#include <optional>

#include "engine/chat/jinja_builtins.h"

namespace llmc::jinja {

const Value* Scope::lookup(std::string_view name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent.get()) {
    for (const auto& [key, value] : s->vars) {
      if (key == name) return &value;
    }
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value value) {
  for (auto& [key, current] : vars) {
    if (key == name) {
      current = std::move(value);
      return;
    }
  }
  vars.emplace_back(std::string(name), std::move(value));
}

namespace {

std::shared_ptr<Scope> child_of(std::shared_ptr<Scope> parent) {
  auto s = std::make_shared<Scope>();
  s->parent = std::move(parent);
  return s;
}

}  // namespace

Interp::Interp(const Limits& limits) : limits_(limits), globals_(std::make_shared<Scope>()) {
  install_globals(*globals_);
}

Interp::~Interp() {
  for (const auto& ns : namespaces_) ns->attrs.items.clear();  // a namespace may hold itself
}

std::string Interp::render(const Template& tmpl, const Value& variables) {
  auto root = child_of(globals_);
  if (variables.is_dict()) {
    for (const auto& [key, value] : variables.as_dict().items) root->set(to_str(key), value);
  }
  ScopeGuard guard(*this, root);
  std::string out;
  exec_body(tmpl.body, out);
  return out;
}

void Interp::charge(int64_t units) {
  steps_ += units;
  if (steps_ > limits_.max_steps) {
    fail("template exceeded its work limit of " + std::to_string(limits_.max_steps) +
         " steps (endless loop?)");
  }
}

void Interp::charge_for(const Value& v) {
  if (v.is_list())
    charge(static_cast<int64_t>(v.as_list().items.size()));
  else if (v.is_dict())
    charge(static_cast<int64_t>(v.as_dict().items.size()));
  else if (v.is_string())
    charge(static_cast<int64_t>(v.as_string().size() / 64));
}

void Interp::check_size(size_t size) const {
  if (size > limits_.max_output_bytes) {
    fail("template built a value larger than the output limit of " +
         std::to_string(limits_.max_output_bytes) + " bytes");
  }
}

void Interp::append_output(std::string& out, std::string_view text) const {
  check_size(out.size() + text.size());
  out.append(text);
}

std::shared_ptr<ObjectData> Interp::make_namespace() {
  auto ns = std::make_shared<ObjectData>();
  ns->type_name = "Namespace";
  ns->is_namespace = true;
  namespaces_.push_back(ns);
  return ns;
}

Interp::Flow Interp::exec_body(const Body& body, std::string& out) {
  for (const auto& s : body) {
    const Flow flow = exec(*s, out);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Interp::Flow Interp::exec(const Stmt& s, std::string& out) {
  step();
  pos_ = s.pos;
  switch (s.kind) {
    case StmtKind::kText:
      append_output(out, s.text);
      break;
    case StmtKind::kOutput:
      append_output(out, to_str(eval(*s.expr)));
      break;
    case StmtKind::kIf:
      for (const auto& [condition, body] : s.branches) {
        if (!condition || truthy(eval(*condition))) return exec_body(body, out);
      }
      break;
    case StmtKind::kFor:
      return exec_for(s, out);
    case StmtKind::kSet: {
      Value v = eval(*s.expr);
      pos_ = s.pos;
      assign(s.target, v);
      break;
    }
    case StmtKind::kSetBlock:
    case StmtKind::kFilterBlock: {
      std::string inner;
      const Flow flow = exec_body(s.body, inner);
      Value v(std::move(inner));
      if (s.expr) {
        const Value* saved = block_value_;
        block_value_ = &v;
        Value filtered = eval(*s.expr);
        block_value_ = saved;
        v = std::move(filtered);
      }
      pos_ = s.pos;
      if (s.kind == StmtKind::kSetBlock)
        assign(s.target, v);
      else
        append_output(out, to_str(v));
      return flow;
    }
    case StmtKind::kMacro:
      scope_->set(s.text, define_macro(s, scope_, s.text));
      break;
    case StmtKind::kCallBlock:
      exec_call_block(s, out);
      break;
    case StmtKind::kWith: {
      auto scope = child_of(scope_);
      for (const auto& [target, expr] : s.assignments) {
        Value v = eval(*expr);
        ScopeGuard inner(*this, scope);
        assign(target, v);
      }
      ScopeGuard guard(*this, scope);
      return exec_body(s.body, out);
    }
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
    case StmtKind::kBody:
      return exec_body(s.body, out);
  }
  return Flow::kNormal;
}

void Interp::assign(const Target& target, const Value& value) {
  if (!target.attribute.empty()) {
    const Value* ns = scope_->lookup(target.names[0]);
    if (ns == nullptr || ns->kind() != Kind::kObject || !ns->as_object().is_namespace) {
      fail("cannot set '" + target.names[0] + "." + target.attribute + "': '" + target.names[0] +
           "' is not a namespace() object");
    }
    ns->as_object().attrs.set(Value(target.attribute), value);
    return;
  }
  if (!target.is_tuple && target.names.size() == 1) {
    scope_->set(target.names[0], value);
    return;
  }
  const std::vector<Value> items = iterate(value);
  const size_t n = target.names.size();
  if (items.size() > n) fail("too many values to unpack (expected " + std::to_string(n) + ")");
  if (items.size() < n) {
    fail("not enough values to unpack (expected " + std::to_string(n) + ", got " +
         std::to_string(items.size()) + ")");
  }
  for (size_t i = 0; i < n; ++i) scope_->set(target.names[i], items[i]);
}

Interp::Flow Interp::exec_for(const Stmt& s, std::string& out) {
  const Value iterable = eval(*s.expr);
  pos_ = s.pos;
  charge_for(iterable);
  std::vector<Value> items = iterate(iterable);
  const std::shared_ptr<Scope> outer = scope_;
  if (s.condition) {  // `for x in xs if cond`: loop.index and loop.length count only kept items
    std::vector<Value> kept;
    for (Value& item : items) {
      ScopeGuard guard(*this, child_of(outer));
      assign(s.target, item);
      if (truthy(eval(*s.condition))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    ScopeGuard guard(*this, child_of(outer));
    return exec_body(s.else_body, out);
  }
  const auto n = static_cast<int64_t>(items.size());
  auto index = std::make_shared<int64_t>(0);
  const Value cycle = Value::callable("loop.cycle", [index](Interp&, CallArgs& args) {
    if (args.positional.empty()) fail("loop.cycle() needs at least one item");
    return args.positional[static_cast<size_t>(*index) % args.positional.size()];
  });
  auto last_seen = std::make_shared<std::optional<std::vector<Value>>>();
  const Value changed = Value::callable("loop.changed", [last_seen](Interp&, CallArgs& args) {
    const auto& now = args.positional;
    bool same = last_seen->has_value() && (*last_seen)->size() == now.size();
    for (size_t i = 0; same && i < now.size(); ++i) same = values_equal((**last_seen)[i], now[i]);
    *last_seen = now;
    return Value(!same);
  });
  for (int64_t i = 0; i < n; ++i) {
    step();
    *index = i;
    ScopeGuard guard(*this, child_of(outer));
    assign(s.target, items[static_cast<size_t>(i)]);
    if (s.uses_loop) scope_->set("loop", make_loop(items, i, cycle, changed));
    if (exec_body(s.body, out) == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

// The `loop` variable of iteration i; keys are shared constants so building it costs little.
Value Interp::make_loop(const std::vector<Value>& items, int64_t i, const Value& cycle,
                        const Value& changed) {
  static const Value kKeys[] = {"index", "index0", "revindex", "revindex0", "first", "last",   "length",
                                "depth", "depth0", "previtem", "nextitem",  "cycle", "changed"};
  const auto n = static_cast<int64_t>(items.size());
  const Value values[] = {
      Value(i + 1),
      Value(i),
      Value(n - i),
      Value(n - i - 1),
      Value(i == 0),
      Value(i == n - 1),
      Value(n),
      Value(1),
      Value(0),
      i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item"),
      i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item"),
      cycle,
      changed};
  auto loop = std::make_shared<ObjectData>();
  loop->type_name = "LoopContext";
  loop->attrs.items.reserve(std::size(kKeys));
  for (size_t k = 0; k < std::size(kKeys); ++k) loop->attrs.items.emplace_back(kKeys[k], values[k]);
  return Value::object(std::move(loop));
}

Value Interp::define_macro(const Stmt& s, std::shared_ptr<Scope> scope, std::string name) {
  const Stmt* stmt = &s;
  std::weak_ptr<Scope> defined_in = scope;  // weak: the macro usually lives in that very scope
  return Value::callable("Macro '" + name + "'", [stmt, defined_in, name](Interp& in, CallArgs& args) {
    return in.invoke_macro(*stmt, defined_in, args, name);
  });
}

Value Interp::invoke_macro(const Stmt& s, const std::weak_ptr<Scope>& defined_in, CallArgs& args,
                           const std::string& name) {
  DepthGuard depth(*this);
  std::shared_ptr<Scope> parent = defined_in.lock();
  auto scope = child_of(parent ? parent : globals_);
  const size_t n = s.params.size();
  std::vector<bool> bound(n, false);
  std::vector<Value> extra_positional;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < n)
      scope->set(s.params[i], args.positional[i]), bound[i] = true;
    else
      extra_positional.push_back(args.positional[i]);
  }
  DictData extra_named;
  for (const auto& [key, value] : args.named) {
    size_t i = 0;
    while (i < n && s.params[i] != key) ++i;
    if (i == n) {
      if (key == "caller")
        scope->set("caller", value);
      else
        extra_named.set(Value(key), value);
      continue;
    }
    if (bound[i]) fail("macro '" + name + "' got multiple values for argument '" + key + "'");
    scope->set(key, value), bound[i] = true;
  }
  ScopeGuard guard(*this, scope);
  for (size_t i = 0; i < n; ++i) {
    if (bound[i]) continue;
    scope->set(s.params[i], s.defaults[i] ? eval(*s.defaults[i])
                                          : Value::undefined(quoted(s.params[i]) + " is undefined"));
  }
  scope->set("varargs", Value::list(std::move(extra_positional), true));
  scope->set("kwargs", Value::dict(std::move(extra_named)));
  std::string out;
  exec_body(s.body, out);
  return Value(std::move(out));
}

void Interp::exec_call_block(const Stmt& s, std::string& out) {
  const Stmt* stmt = &s;
  std::weak_ptr<Scope> defined_in = scope_;
  Value caller = Value::callable("Macro 'caller'", [stmt, defined_in](Interp& in, CallArgs& args) {
    return in.invoke_macro(*stmt, defined_in, args, "caller");
  });
  const Expr& call_expr = *s.expr;
  Value fn = eval(*call_expr.children[0]);
  CallArgs args;
  eval_args(call_expr, 1, args);
  args.named.emplace_back("caller", std::move(caller));
  pos_ = s.pos;
  append_output(out, to_str(call(fn, args)));
}

}  // namespace llmc::jinja
