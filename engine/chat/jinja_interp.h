// Renders a parsed template. One Interp per render call: it owns the scopes, the work and size budgets,
// and the position of the node being evaluated (for error messages).
//
// Scoping follows Jinja: every for-loop iteration, macro call and `with` block gets a fresh child scope, so
// `set` inside them does not leak out (hence namespace()); `if` blocks share their enclosing scope. Macros
// see the scope they were defined in, late-bound, as Python closures do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/chat/jinja_ast.h"

namespace llmc::jinja {

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* lookup(std::string_view name) const;
  void set(std::string_view name, Value value);
};

struct Limits {
  size_t max_output_bytes = 0;  // also bounds every string and list built while rendering
  int64_t max_steps = 0;        // evaluated nodes and loop iterations
  int max_depth = 0;            // nested macro calls plus nested expression evaluation
};

class Interp {
 public:
  explicit Interp(const Limits& limits);
  ~Interp();
  Interp(const Interp&) = delete;
  Interp& operator=(const Interp&) = delete;

  // Renders `tmpl` with `variables` (a dict value) on top of the globals.
  std::string render(const Template& tmpl, const Value& variables);
  SourcePos pos() const { return pos_; }

  // Used by filters, tests and methods (jinja_eval.cpp).
  Value eval(const Expr& e);
  Value getattr(const Value& obj, const std::string& name);
  Value getitem(const Value& obj, const Value& key);
  Value call(const Value& fn, CallArgs& args);
  Value apply_filter_by_name(const std::string& name, const Value& subject, const CallArgs& args);
  bool apply_test_by_name(const std::string& name, const Value& subject, const CallArgs& args);
  // Fails when a string or list about to be built would pass the output limit.
  void check_size(size_t size) const;
  void step() { charge(1); }
  // Counts work in steps (one node, one iteration, one element touched, ~64 bytes of text handled), so
  // linear operations on big values cannot multiply a loop's cost unnoticed.
  void charge(int64_t units);
  void charge_for(const Value& v);  // the cost of scanning v once
  std::shared_ptr<ObjectData> make_namespace();

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  class ScopeGuard;
  class DepthGuard;

  // Statements (jinja_interp.cpp).
  Flow exec_body(const Body& body, std::string& out);
  Flow exec(const Stmt& s, std::string& out);
  Flow exec_for(const Stmt& s, std::string& out);
  void exec_set(const Stmt& s, std::string& out);
  void exec_call_block(const Stmt& s, std::string& out);
  void assign(const Target& target, const Value& value);
  static Value make_loop(const std::vector<Value>& items, int64_t i, const Value& cycle,
                         const Value& changed);
  Value define_macro(const Stmt& s, std::shared_ptr<Scope> scope, std::string name);
  Value invoke_macro(const Stmt& s, const std::weak_ptr<Scope>& defined_in, CallArgs& args,
                     const std::string& name);
  void append_output(std::string& out, std::string_view text) const;

  // Expressions (jinja_eval.cpp).
  Value eval_call(const Expr& e);
  Value eval_display(const Expr& e);
  Value eval_unary(const Expr& e);
  Value eval_concat(const Expr& e);
  Value eval_filter(const Expr& e);
  Value eval_compare(const Expr& e);
  Value eval_binary(const Expr& e, const Value& a, const Value& b);
  Value eval_slice(const Value& obj, const Expr& slice);
  void eval_args(const Expr& e, size_t first, CallArgs& args);

  Limits limits_;
  std::shared_ptr<Scope> globals_;
  std::shared_ptr<Scope> scope_;
  std::vector<std::shared_ptr<ObjectData>> namespaces_;  // cleared after rendering to break cycles
  SourcePos pos_;
  int64_t steps_ = 0;
  int depth_ = 0;
  const Value* block_value_ = nullptr;  // what kBlockValue evaluates to inside a filter block
};

class Interp::ScopeGuard {
 public:
  ScopeGuard(Interp& in, std::shared_ptr<Scope> scope) : in_(in), saved_(std::move(in.scope_)) {
    in_.scope_ = std::move(scope);
  }
  ~ScopeGuard() { in_.scope_ = std::move(saved_); }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  Interp& in_;
  std::shared_ptr<Scope> saved_;
};

class Interp::DepthGuard {
 public:
  explicit DepthGuard(Interp& in) : in_(in) {
    if (++in_.depth_ > in_.limits_.max_depth) {
      --in_.depth_;
      fail("template recursion too deep (more than " + std::to_string(in_.limits_.max_depth) +
           " nested levels)");
    }
  }
  ~DepthGuard() { --in_.depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  Interp& in_;
};

}  // namespace llmc::jinja
