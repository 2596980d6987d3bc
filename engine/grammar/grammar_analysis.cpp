#include "engine/grammar/grammar_analysis.h"

#include <algorithm>
#include <set>
#include <string>

#include "common/check.h"

namespace llmc::grammar {
namespace {

// A body whose expansion exceeds this stays a call (it would multiply the automaton at every call site).
constexpr double kInlineLimit = 20000;
// A kept rule's expanded body beyond this is refused: its automaton would not fit.
constexpr double kRuleLimit = 2000000;

class Analyzer {
 public:
  explicit Analyzer(const Grammar& g) : g_(g), n_(static_cast<size_t>(g.num_rules())) {}

  GrammarAnalysis run() {
    LLMC_CHECK(g_.root() >= 0 && g_.root() < g_.num_rules()) << "grammar: no root rule";
    GrammarAnalysis out;
    out.reachable = reachable();
    for (RuleId r = 0; r < g_.num_rules(); ++r) {
      LLMC_CHECK(!out.reachable[idx(r)] || g_.rule(r).body >= 0)
          << "grammar: rule '" << g_.rule(r).name << "' is used but never defined";
    }
    nullable_ = fixpoint(true);
    const std::vector<bool> productive = fixpoint(false);
    for (RuleId r = 0; r < g_.num_rules(); ++r) {
      LLMC_CHECK(!out.reachable[idx(r)] || productive[idx(r)])
          << "grammar: rule '" << g_.rule(r).name << "' never ends (every derivation of it recurses forever)";
    }
    check_left_recursion(out.reachable);
    out.nullable = nullable_;
    out.inlined = choose_inlined(out.reachable);
    return out;
  }

 private:
  static size_t idx(RuleId r) { return static_cast<size_t>(r); }

  // nullable_mode: derives the empty string; otherwise: derives some finite string.
  bool eval(ExprId id, const std::vector<bool>& value, bool nullable_mode) const {
    const Expr& e = g_.expr(id);
    auto rec = [&](ExprId c) { return eval(c, value, nullable_mode); };
    switch (e.kind) {
      case ExprKind::kEmpty:
        return true;
      case ExprKind::kBytes:
        return !nullable_mode && e.bytes.any();
      case ExprKind::kCall:
        return value[idx(e.rule)];
      case ExprKind::kSeq:
        return std::all_of(e.children.begin(), e.children.end(), rec);
      case ExprKind::kAlt:
        return std::any_of(e.children.begin(), e.children.end(), rec);
      case ExprKind::kRepeat:
        return e.min == 0 || rec(e.children[0]);
    }
    return false;
  }

  std::vector<bool> fixpoint(bool nullable_mode) const {
    std::vector<bool> value(n_, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (RuleId r = 0; r < g_.num_rules(); ++r) {
        if (value[idx(r)] || g_.rule(r).body < 0) continue;
        if (eval(g_.rule(r).body, value, nullable_mode)) value[idx(r)] = changed = true;
      }
    }
    return value;
  }

  // Calls anywhere in `id` (all), or those that can come first (after a nullable prefix).
  void calls(ExprId id, bool all, std::set<RuleId>& out) const {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kCall:
        out.insert(e.rule);
        return;
      case ExprKind::kAlt:
        for (ExprId c : e.children) calls(c, all, out);
        return;
      case ExprKind::kRepeat:
        calls(e.children[0], all, out);
        return;
      case ExprKind::kSeq:
        for (ExprId c : e.children) {
          calls(c, all, out);
          if (!all && !eval(c, nullable_, true)) return;
        }
        return;
      default:
        return;
    }
  }

  std::vector<std::set<RuleId>> graph(bool all) const {
    std::vector<std::set<RuleId>> edges(n_);
    for (RuleId r = 0; r < g_.num_rules(); ++r) {
      if (g_.rule(r).body >= 0) calls(g_.rule(r).body, all, edges[idx(r)]);
    }
    return edges;
  }

  std::vector<bool> reachable() const {
    const auto edges = graph(true);
    std::vector<bool> seen(n_, false);
    std::vector<RuleId> stack{g_.root()};
    seen[idx(g_.root())] = true;
    while (!stack.empty()) {
      const RuleId r = stack.back();
      stack.pop_back();
      for (RuleId c : edges[idx(r)]) {
        if (!seen[idx(c)]) seen[idx(c)] = true, stack.push_back(c);
      }
    }
    return seen;
  }

  // Depth-first search for a cycle in `edges` restricted to `alive`; returns one cycle's rules or nothing.
  std::vector<RuleId> find_cycle(const std::vector<std::set<RuleId>>& edges, const std::vector<bool>& alive) const {
    std::vector<int> color(n_, 0);  // 0 new, 1 on the path, 2 done
    std::vector<RuleId> path;
    std::vector<RuleId> cycle;
    auto dfs = [&](auto&& self, RuleId r) -> bool {
      color[idx(r)] = 1;
      path.push_back(r);
      for (RuleId c : edges[idx(r)]) {
        if (!alive[idx(c)]) continue;
        if (color[idx(c)] == 1) {
          cycle.assign(std::find(path.begin(), path.end(), c), path.end());
          return true;
        }
        if (color[idx(c)] == 0 && self(self, c)) return true;
      }
      path.pop_back();
      color[idx(r)] = 2;
      return false;
    };
    for (RuleId r = 0; r < g_.num_rules(); ++r) {
      if (alive[idx(r)] && color[idx(r)] == 0 && dfs(dfs, r)) return cycle;
    }
    return {};
  }

  void check_left_recursion(const std::vector<bool>& reachable) const {
    const std::vector<RuleId> cycle = find_cycle(graph(false), reachable);
    if (cycle.empty()) return;
    std::string path;
    for (RuleId r : cycle) path += g_.rule(r).name + " -> ";
    LLMC_FAIL() << "grammar: left recursion (" << path << g_.rule(cycle[0]).name
                << "); rewrite it with repetition, e.g. `e ::= t (\"+\" t)*`";
  }

  // The size of `id` with inlined calls expanded and bounded repeats unrolled (what the automaton holds).
  double expanded_size(ExprId id, const std::vector<bool>& inlined, std::vector<double>& memo) const {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kCall:
        return inlined[idx(e.rule)] ? rule_size(e.rule, inlined, memo) : 1.0;
      case ExprKind::kSeq:
      case ExprKind::kAlt: {
        double s = 1;
        for (ExprId c : e.children) s += expanded_size(c, inlined, memo);
        return s;
      }
      case ExprKind::kRepeat: {
        const double copies = std::max<double>(1.0, e.max < 0 ? e.min + 1.0 : e.max);
        return 1 + copies * expanded_size(e.children[0], inlined, memo);
      }
      default:
        return 1;
    }
  }
  double rule_size(RuleId r, const std::vector<bool>& inlined, std::vector<double>& memo) const {
    if (memo[idx(r)] < 0) memo[idx(r)] = std::min(1e18, expanded_size(g_.rule(r).body, inlined, memo));
    return memo[idx(r)];
  }

  std::vector<bool> choose_inlined(const std::vector<bool>& reachable) const {
    const auto edges = graph(true);
    // Candidates: every reachable rule but the root; break every cycle among them by keeping its largest rule.
    std::vector<bool> candidate(n_, false);
    for (RuleId r = 0; r < g_.num_rules(); ++r) candidate[idx(r)] = reachable[idx(r)] && r != g_.root();
    std::vector<double> plain(n_, -1.0);
    const std::vector<bool> none(n_, false);
    for (std::vector<RuleId> cycle = find_cycle(edges, candidate); !cycle.empty();
         cycle = find_cycle(edges, candidate)) {
      RuleId largest = cycle[0];
      for (RuleId r : cycle) {
        if (rule_size(r, none, plain) > rule_size(largest, none, plain)) largest = r;
      }
      candidate[idx(largest)] = false;
    }
    // Inline bottom-up (callees before callers) while expansions stay small.
    std::vector<bool> inlined(n_, false);
    std::vector<bool> done(n_, false);
    auto visit = [&](auto&& self, RuleId r) -> void {
      if (done[idx(r)]) return;
      done[idx(r)] = true;
      for (RuleId c : edges[idx(r)]) {
        if (candidate[idx(c)]) self(self, c);
      }
      if (!candidate[idx(r)]) return;
      std::vector<double> memo(n_, -1.0);
      inlined[idx(r)] = rule_size(r, inlined, memo) <= kInlineLimit;
    };
    for (RuleId r = 0; r < g_.num_rules(); ++r) {
      if (reachable[idx(r)]) visit(visit, r);
    }
    std::vector<double> memo(n_, -1.0);
    for (RuleId r = 0; r < g_.num_rules(); ++r) {
      if (!reachable[idx(r)] || inlined[idx(r)]) continue;
      LLMC_CHECK(rule_size(r, inlined, memo) <= kRuleLimit)
          << "grammar: rule '" << g_.rule(r).name << "' is too large to compile (bounded repetitions unroll; "
          << "lower the counts of {m,n}, minItems/maxItems or minLength/maxLength)";
    }
    return inlined;
  }

  const Grammar& g_;
  size_t n_;
  std::vector<bool> nullable_;
};

}  // namespace

GrammarAnalysis analyze(const Grammar& g) { return Analyzer(g).run(); }

}  // namespace llmc::grammar
