// The one internal form every constraint compiles to: a context-free grammar over bytes. Rules have bodies
// built from byte sets, sequences, alternatives, bounded or unbounded repetition and calls of other rules
// (recursion allowed, left recursion rejected later by analyze()). Front ends (JSON Schema, regex, GBNF,
// choice) build one; build_automaton() compiles it. Expressions live in an arena and may be shared (a DAG).
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::grammar {

using ByteSet = std::bitset<256>;
using ExprId = int32_t;
using RuleId = int32_t;

enum class ExprKind : uint8_t {
  kEmpty,   // matches the empty string
  kBytes,   // one byte from `bytes`
  kSeq,     // children in order
  kAlt,     // any one child
  kRepeat,  // children[0] between min and max times (max -1: unbounded)
  kCall,    // the language of rule `rule`
};

struct Expr {
  ExprKind kind = ExprKind::kEmpty;
  ByteSet bytes;
  std::vector<ExprId> children;
  int32_t min = 0;
  int32_t max = -1;
  RuleId rule = -1;
};

struct Rule {
  std::string name;
  ExprId body = -1;  // -1 until set_body
};

class Grammar {
 public:
  ExprId empty();
  ExprId bytes(const ByteSet& set);  // an empty set matches nothing
  ExprId byte_range(uint8_t lo, uint8_t hi);
  ExprId literal(std::string_view text);
  ExprId seq(std::vector<ExprId> parts);
  ExprId alt(std::vector<ExprId> options);
  ExprId repeat(ExprId e, int32_t min, int32_t max);
  ExprId star(ExprId e) { return repeat(e, 0, -1); }
  ExprId plus(ExprId e) { return repeat(e, 1, -1); }
  ExprId opt(ExprId e) { return repeat(e, 0, 1); }
  ExprId call(RuleId rule);

  // A rule with no body yet, so that bodies can refer to each other. Names must be unique.
  RuleId add_rule(std::string name);
  void set_body(RuleId rule, ExprId body);
  // -1 when absent.
  RuleId find_rule(std::string_view name) const;
  // A fresh name starting with `base` (for rules a front end makes up).
  std::string unique_name(std::string_view base) const;

  const Expr& expr(ExprId id) const { return exprs_[static_cast<size_t>(id)]; }
  const Rule& rule(RuleId id) const { return rules_[static_cast<size_t>(id)]; }
  int32_t num_rules() const { return static_cast<int32_t>(rules_.size()); }
  int32_t num_exprs() const { return static_cast<int32_t>(exprs_.size()); }

  RuleId root() const { return root_; }
  void set_root(RuleId rule) { root_ = rule; }

  // GBNF-like text of every rule (for error messages and tests).
  std::string to_string() const;
  std::string expr_to_string(ExprId id) const;

 private:
  ExprId add(Expr e);
  std::vector<Expr> exprs_;
  std::vector<Rule> rules_;
  RuleId root_ = -1;
};

}  // namespace llmc::grammar
