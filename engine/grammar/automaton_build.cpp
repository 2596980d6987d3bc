// Grammar -> Automaton: byte classes, a Thompson NFA per kept rule (inlined rules expanded in place), subset
// construction over byte classes and call symbols, removal of dead states, Hopcroft minimization, then the
// follow sets the mask cache uses.
#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "common/check.h"
#include "engine/grammar/automaton.h"
#include "engine/grammar/automaton_internal.h"
#include "engine/grammar/grammar_analysis.h"

namespace llmc::grammar {
namespace {

constexpr size_t kMaxNfaStates = 4000000;
constexpr size_t kMaxDfaStates = 1000000;

using ClassSet = std::bitset<256>;  // a set of byte-class ids

struct Nfa {
  struct State {
    std::vector<int32_t> eps;
    std::vector<std::pair<ClassSet, int32_t>> bytes;
    std::vector<std::pair<RuleId, int32_t>> calls;
  };
  std::vector<State> states;
  int32_t end = -1;

  int32_t add() {
    LLMC_CHECK(states.size() < kMaxNfaStates)
        << "grammar: the constraint is too large to compile (more than " << kMaxNfaStates
        << " automaton states; bounded repetitions such as {m,n}, maxLength or maxItems unroll)";
    states.emplace_back();
    return static_cast<int32_t>(states.size() - 1);
  }
};

class NfaBuilder {
 public:
  NfaBuilder(const Grammar& g, const GrammarAnalysis& a, const std::vector<RuleId>& index,
             const std::array<uint8_t, 256>& byte_class)
      : g_(g), a_(a), index_(index), byte_class_(byte_class) {}

  Nfa build(RuleId rule) {
    Nfa nfa;
    nfa_ = &nfa;
    const int32_t start = nfa.add();
    nfa.end = fragment(g_.rule(rule).body, start);
    return nfa;
  }

 private:
  int32_t fresh_from(int32_t from) {
    const int32_t s = nfa_->add();
    nfa_->states[static_cast<size_t>(from)].eps.push_back(s);
    return s;
  }

  // Adds the language of `id` from `start`; returns the fragment's end state.
  int32_t fragment(ExprId id, int32_t start) {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kEmpty:
        return start;
      case ExprKind::kBytes: {
        const int32_t end = nfa_->add();
        ClassSet classes;
        for (int b = 0; b < 256; ++b) {
          if (e.bytes.test(static_cast<size_t>(b))) classes.set(byte_class_[static_cast<size_t>(b)]);
        }
        if (classes.any()) nfa_->states[static_cast<size_t>(start)].bytes.emplace_back(classes, end);
        return end;
      }
      case ExprKind::kSeq: {
        int32_t cur = start;
        for (ExprId c : e.children) cur = fragment(c, cur);
        return cur;
      }
      case ExprKind::kAlt: {
        const int32_t end = nfa_->add();
        for (ExprId c : e.children) {
          const int32_t last = fragment(c, fresh_from(start));
          nfa_->states[static_cast<size_t>(last)].eps.push_back(end);
        }
        return end;
      }
      case ExprKind::kRepeat: {
        int32_t cur = start;
        for (int32_t k = 0; k < e.min; ++k) cur = fragment(e.children[0], fresh_from(cur));
        if (e.max < 0) {
          const int32_t head = fresh_from(cur);
          const int32_t last = fragment(e.children[0], fresh_from(head));
          nfa_->states[static_cast<size_t>(last)].eps.push_back(head);
          return head;
        }
        const int32_t end = nfa_->add();
        for (int32_t k = e.min; k < e.max; ++k) {
          nfa_->states[static_cast<size_t>(cur)].eps.push_back(end);
          cur = fragment(e.children[0], fresh_from(cur));
        }
        nfa_->states[static_cast<size_t>(cur)].eps.push_back(end);
        return end;
      }
      case ExprKind::kCall: {
        if (a_.inlined[static_cast<size_t>(e.rule)]) return fragment(g_.rule(e.rule).body, fresh_from(start));
        const int32_t end = nfa_->add();
        nfa_->states[static_cast<size_t>(start)].calls.emplace_back(index_[static_cast<size_t>(e.rule)], end);
        return end;
      }
    }
    return start;
  }

  const Grammar& g_;
  const GrammarAnalysis& a_;
  const std::vector<RuleId>& index_;
  const std::array<uint8_t, 256>& byte_class_;
  Nfa* nfa_ = nullptr;
};

struct VectorHash {
  size_t operator()(const std::vector<int32_t>& v) const {
    size_t h = v.size();
    for (int32_t x : v) h = h * 1000003u ^ static_cast<size_t>(x);
    return h;
  }
};

// Subset construction of one rule's NFA into `dfa` (states numbered from 0, 0 the start).
RuleDfa determinize(const Nfa& nfa, int32_t num_classes) {
  RuleDfa dfa;
  dfa.num_classes = num_classes;
  std::unordered_map<std::vector<int32_t>, int32_t, VectorHash> ids;
  std::vector<std::vector<int32_t>> sets;
  std::vector<uint8_t> mark(nfa.states.size(), 0);
  auto closure = [&](std::vector<int32_t> seeds) {
    std::vector<int32_t> out;
    while (!seeds.empty()) {
      const int32_t s = seeds.back();
      seeds.pop_back();
      if (mark[static_cast<size_t>(s)]) continue;
      mark[static_cast<size_t>(s)] = 1;
      out.push_back(s);
      for (int32_t t : nfa.states[static_cast<size_t>(s)].eps) seeds.push_back(t);
    }
    for (int32_t s : out) mark[static_cast<size_t>(s)] = 0;
    std::sort(out.begin(), out.end());
    return out;
  };
  auto intern = [&](std::vector<int32_t> set) {
    auto [it, inserted] = ids.emplace(set, static_cast<int32_t>(sets.size()));
    if (inserted) {
      LLMC_CHECK(sets.size() < kMaxDfaStates) << "grammar: the constraint is too large to compile (more than "
                                              << kMaxDfaStates << " states in one rule's automaton)";
      sets.push_back(std::move(set));
    }
    return it->second;
  };
  intern(closure({0}));
  std::vector<std::vector<int32_t>> by_class(static_cast<size_t>(num_classes));
  for (size_t d = 0; d < sets.size(); ++d) {
    for (auto& v : by_class) v.clear();
    std::map<RuleId, std::vector<int32_t>> by_rule;
    bool is_final = false;
    for (int32_t s : sets[d]) {
      const Nfa::State& st = nfa.states[static_cast<size_t>(s)];
      is_final |= s == nfa.end;
      for (const auto& [classes, t] : st.bytes) {
        for (int32_t c = 0; c < num_classes; ++c) {
          if (classes.test(static_cast<size_t>(c))) by_class[static_cast<size_t>(c)].push_back(t);
        }
      }
      for (const auto& [rule, t] : st.calls) by_rule[rule].push_back(t);
    }
    std::vector<int32_t> row(static_cast<size_t>(num_classes), kDeadState);
    for (int32_t c = 0; c < num_classes; ++c) {
      if (!by_class[static_cast<size_t>(c)].empty()) row[static_cast<size_t>(c)] = intern(closure(by_class[static_cast<size_t>(c)]));
    }
    std::vector<CallEdge> calls;
    for (auto& [rule, targets] : by_rule) calls.push_back({rule, intern(closure(std::move(targets)))});
    dfa.next.insert(dfa.next.end(), row.begin(), row.end());
    dfa.calls.push_back(std::move(calls));
    dfa.final.push_back(is_final ? 1 : 0);
  }
  dfa.num_states = static_cast<int32_t>(sets.size());
  return dfa;
}

// Byte classes: bytes that every byte set of the grammar treats alike.
int32_t byte_classes(const Grammar& g, std::array<uint8_t, 256>& byte_class) {
  std::unordered_set<ByteSet> distinct;
  for (ExprId i = 0; i < g.num_exprs(); ++i) {
    if (g.expr(i).kind == ExprKind::kBytes) distinct.insert(g.expr(i).bytes);
  }
  std::array<int32_t, 256> cls{};
  int32_t count = 1;
  for (const ByteSet& set : distinct) {
    std::map<std::pair<int32_t, bool>, int32_t> renumber;
    for (size_t b = 0; b < 256; ++b) {
      const auto key = std::make_pair(cls[b], set.test(b));
      auto it = renumber.emplace(key, static_cast<int32_t>(renumber.size())).first;
      cls[b] = it->second;
    }
    count = static_cast<int32_t>(renumber.size());
  }
  for (size_t b = 0; b < 256; ++b) byte_class[b] = static_cast<uint8_t>(cls[b]);
  return count;
}

}  // namespace

Automaton build_automaton(const Grammar& g) {
  const GrammarAnalysis analysis = analyze(g);
  Automaton a;
  a.num_classes = byte_classes(g, a.byte_class);
  // Automaton rule indices: the root first, then every other kept rule in grammar order.
  std::vector<RuleId> index(static_cast<size_t>(g.num_rules()), -1);
  std::vector<RuleId> kept{g.root()};
  for (RuleId r = 0; r < g.num_rules(); ++r) {
    if (r != g.root() && analysis.reachable[static_cast<size_t>(r)] && !analysis.inlined[static_cast<size_t>(r)]) {
      kept.push_back(r);
    }
  }
  for (size_t i = 0; i < kept.size(); ++i) index[static_cast<size_t>(kept[i])] = static_cast<RuleId>(i);
  NfaBuilder builder(g, analysis, index, a.byte_class);
  std::vector<RuleDfa> dfas;
  for (RuleId r : kept) {
    RuleDfa dfa = determinize(builder.build(r), a.num_classes);
    trim_and_minimize(dfa);
    dfas.push_back(std::move(dfa));
    a.rule_names.push_back(g.rule(r).name);
  }
  a.root = 0;
  link_rules(dfas, a);
  return a;
}

}  // namespace llmc::grammar
