#include <algorithm>

#include "common/check.h"
#include "engine/grammar/automaton_internal.h"

namespace llmc::grammar {
namespace {

// Keeps the states in `keep` (old id -> new id), renumbered breadth-first from the start.
RuleDfa renumber(const RuleDfa& dfa, const std::vector<int32_t>& group, int32_t num_groups) {
  // `group[s]`: the new (unordered) id of old state s, or -1 to drop it. Order groups breadth-first.
  const size_t k = static_cast<size_t>(dfa.num_classes);
  std::vector<int32_t> rep(static_cast<size_t>(num_groups), -1);
  for (int32_t s = 0; s < dfa.num_states; ++s) {
    if (group[static_cast<size_t>(s)] >= 0 && rep[static_cast<size_t>(group[static_cast<size_t>(s)])] < 0) {
      rep[static_cast<size_t>(group[static_cast<size_t>(s)])] = s;
    }
  }
  std::vector<int32_t> order_of(static_cast<size_t>(num_groups), -1);
  std::vector<int32_t> order{group[0]};
  order_of[static_cast<size_t>(group[0])] = 0;
  auto visit = [&](int32_t old_target) {
    if (old_target < 0) return;
    const int32_t gid = group[static_cast<size_t>(old_target)];
    if (gid < 0 || order_of[static_cast<size_t>(gid)] >= 0) return;
    order_of[static_cast<size_t>(gid)] = static_cast<int32_t>(order.size());
    order.push_back(gid);
  };
  for (size_t i = 0; i < order.size(); ++i) {
    const int32_t s = rep[static_cast<size_t>(order[i])];
    for (size_t c = 0; c < k; ++c) visit(dfa.next[static_cast<size_t>(s) * k + c]);
    for (const CallEdge& e : dfa.calls[static_cast<size_t>(s)]) visit(e.target);
  }
  RuleDfa out;
  out.num_classes = dfa.num_classes;
  out.num_states = static_cast<int32_t>(order.size());
  auto map = [&](int32_t old_target) {
    if (old_target < 0 || group[static_cast<size_t>(old_target)] < 0) return kDeadState;
    return order_of[static_cast<size_t>(group[static_cast<size_t>(old_target)])];
  };
  for (int32_t gid : order) {
    const int32_t s = rep[static_cast<size_t>(gid)];
    for (size_t c = 0; c < k; ++c) out.next.push_back(map(dfa.next[static_cast<size_t>(s) * k + c]));
    std::vector<CallEdge> calls;
    for (const CallEdge& e : dfa.calls[static_cast<size_t>(s)]) {
      const int32_t t = map(e.target);
      if (t >= 0) calls.push_back({e.rule, t});
    }
    out.calls.push_back(std::move(calls));
    out.final.push_back(dfa.final[static_cast<size_t>(s)]);
  }
  return out;
}

}  // namespace

void trim_and_minimize(RuleDfa& dfa) {
  const size_t n = static_cast<size_t>(dfa.num_states);
  const size_t k = static_cast<size_t>(dfa.num_classes);
  // Live: can reach a final state (reverse search).
  std::vector<std::vector<int32_t>> preds(n);
  for (size_t s = 0; s < n; ++s) {
    for (size_t c = 0; c < k; ++c) {
      const int32_t t = dfa.next[s * k + c];
      if (t >= 0) preds[static_cast<size_t>(t)].push_back(static_cast<int32_t>(s));
    }
    for (const CallEdge& e : dfa.calls[s]) preds[static_cast<size_t>(e.target)].push_back(static_cast<int32_t>(s));
  }
  std::vector<uint8_t> live(n, 0);
  std::vector<int32_t> stack;
  for (size_t s = 0; s < n; ++s) {
    if (dfa.final[s]) live[s] = 1, stack.push_back(static_cast<int32_t>(s));
  }
  while (!stack.empty()) {
    const int32_t s = stack.back();
    stack.pop_back();
    for (int32_t p : preds[static_cast<size_t>(s)]) {
      if (!live[static_cast<size_t>(p)]) live[static_cast<size_t>(p)] = 1, stack.push_back(p);
    }
  }
  LLMC_CHECK(live[0]) << "grammar: a rule matches no string";
  int32_t num_blocks = 0;
  const std::vector<int32_t> block = equivalent_states(dfa, live, &num_blocks);
  dfa = renumber(dfa, block, num_blocks);
}

void link_rules(const std::vector<RuleDfa>& dfas, Automaton& a) {
  const size_t k = static_cast<size_t>(a.num_classes);
  std::vector<int32_t> offset;
  int32_t total = 0;
  for (const RuleDfa& d : dfas) {
    offset.push_back(total);
    total += d.num_states;
  }
  a.num_states = total;
  a.rule_start = offset;
  a.next.assign(static_cast<size_t>(total) * k, kDeadState);
  a.call_begin.assign(1, 0);
  a.final.assign(static_cast<size_t>(total), 0);
  a.scans.assign(static_cast<size_t>(total), 0);
  a.state_rule.assign(static_cast<size_t>(total), 0);
  a.rule_called.assign(dfas.size(), 0);
  for (size_t r = 0; r < dfas.size(); ++r) {
    const RuleDfa& d = dfas[r];
    for (int32_t s = 0; s < d.num_states; ++s) {
      const size_t gs = static_cast<size_t>(offset[r] + s);
      a.state_rule[gs] = static_cast<RuleId>(r);
      a.final[gs] = d.final[static_cast<size_t>(s)];
      for (size_t c = 0; c < k; ++c) {
        const int32_t t = d.next[static_cast<size_t>(s) * k + c];
        if (t < 0) continue;
        a.next[gs * k + c] = offset[r] + t;
        a.scans[gs] = 1;
      }
      for (const CallEdge& e : d.calls[static_cast<size_t>(s)]) {
        a.calls.push_back({e.rule, offset[r] + e.target});
        a.rule_called[static_cast<size_t>(e.rule)] = 1;
      }
      a.call_begin.push_back(static_cast<int32_t>(a.calls.size()));
    }
  }
  // first[s]: bytes that may come next from state s before its rule ends; empty[s]: s may end its rule
  // without reading a byte. Then follow[r]: bytes after rule r ends, over every call site.
  std::vector<ByteSet> class_bytes(k);
  for (size_t b = 0; b < 256; ++b) class_bytes[a.byte_class[b]].set(b);
  const size_t n = static_cast<size_t>(total);
  std::vector<ByteSet> first(n);
  std::vector<uint8_t> empty(n, 0);
  for (size_t s = 0; s < n; ++s) {
    empty[s] = a.final[s];
    for (size_t c = 0; c < k; ++c) {
      if (a.next[s * k + c] >= 0) first[s] |= class_bytes[c];
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < n; ++s) {
      for (int32_t i = a.call_begin[s]; i < a.call_begin[s + 1]; ++i) {
        const CallEdge& e = a.calls[static_cast<size_t>(i)];
        const size_t start = static_cast<size_t>(a.rule_start[static_cast<size_t>(e.rule)]);
        ByteSet f = first[s] | first[start];
        uint8_t em = empty[s];
        if (empty[start]) {
          f |= first[static_cast<size_t>(e.target)];
          em |= empty[static_cast<size_t>(e.target)];
        }
        if (f != first[s] || em != empty[s]) first[s] = f, empty[s] = em, changed = true;
      }
    }
  }
  a.follow.assign(dfas.size(), ByteSet{});
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < n; ++s) {
      for (int32_t i = a.call_begin[s]; i < a.call_begin[s + 1]; ++i) {
        const CallEdge& e = a.calls[static_cast<size_t>(i)];
        const size_t t = static_cast<size_t>(e.target);
        ByteSet f = a.follow[static_cast<size_t>(e.rule)] | first[t];
        if (empty[t]) f |= a.follow[static_cast<size_t>(a.state_rule[s])];
        if (f != a.follow[static_cast<size_t>(e.rule)]) a.follow[static_cast<size_t>(e.rule)] = f, changed = true;
      }
    }
  }
}

}  // namespace llmc::grammar
