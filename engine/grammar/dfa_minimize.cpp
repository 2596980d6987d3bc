// Hopcroft's partition refinement over one rule's DFA, O(m log n) in its transitions: the coarsest partition
// of the live states that keeps finals apart from the rest and respects every byte-class and call transition.
// A missing transition, or one into a dead state, goes to an implicit sink; the sink never splits and is left
// out of the initial worklist (Hopcroft needs all initial blocks but one there), so transitions into it are
// never enumerated. Moore's refinement would need one pass per distinguishing length: quadratic on the long
// chains that bounded repetitions such as `a{100000}` unroll into.
#include <algorithm>
#include <map>

#include "engine/grammar/automaton_internal.h"

namespace llmc::grammar {

std::vector<int32_t> equivalent_states(const RuleDfa& dfa, const std::vector<uint8_t>& live, int32_t* num_blocks) {
  const size_t n = static_cast<size_t>(dfa.num_states);
  const size_t k = static_cast<size_t>(dfa.num_classes);
  // Symbols: the byte classes, then one per rule some state calls.
  std::map<RuleId, int32_t> call_symbol;
  for (size_t s = 0; s < n; ++s) {
    for (const CallEdge& e : dfa.calls[s]) call_symbol.emplace(e.rule, 0);
  }
  int32_t next_symbol = static_cast<int32_t>(k);
  for (auto& [rule, symbol] : call_symbol) symbol = next_symbol++;
  const size_t num_symbols = static_cast<size_t>(next_symbol);

  // Incoming transitions of each live state, (symbol, source) sorted by symbol.
  std::vector<int32_t> in_begin(n + 1, 0);
  auto for_each_edge = [&](auto&& f) {
    for (size_t s = 0; s < n; ++s) {
      if (!live[s]) continue;
      for (size_t c = 0; c < k; ++c) {
        const int32_t t = dfa.next[s * k + c];
        if (t >= 0 && live[static_cast<size_t>(t)]) f(static_cast<int32_t>(c), static_cast<int32_t>(s), t);
      }
      for (const CallEdge& e : dfa.calls[s]) {
        if (live[static_cast<size_t>(e.target)]) f(call_symbol[e.rule], static_cast<int32_t>(s), e.target);
      }
    }
  };
  for_each_edge([&](int32_t, int32_t, int32_t t) { ++in_begin[static_cast<size_t>(t) + 1]; });
  for (size_t t = 0; t < n; ++t) in_begin[t + 1] += in_begin[t];
  std::vector<std::pair<int32_t, int32_t>> in(static_cast<size_t>(in_begin[n]));
  std::vector<int32_t> fill(in_begin.begin(), in_begin.end() - 1);
  for_each_edge([&](int32_t a, int32_t s, int32_t t) { in[static_cast<size_t>(fill[static_cast<size_t>(t)]++)] = {a, s}; });
  for (size_t t = 0; t < n; ++t) std::sort(in.begin() + in_begin[t], in.begin() + in_begin[t + 1]);

  // Refinable partition: block b holds elems[first[b], past[b]); its marked states are [first[b], mid[b]).
  std::vector<int32_t> elems;
  std::vector<int32_t> loc(n, -1);
  std::vector<int32_t> blk(n, -1);
  std::vector<int32_t> first, past, mid;
  for (int finals = 1; finals >= 0; --finals) {
    const int32_t b = static_cast<int32_t>(first.size());
    const size_t start = elems.size();
    for (size_t s = 0; s < n; ++s) {
      if (live[s] && (dfa.final[s] != 0) == (finals == 1)) {
        loc[s] = static_cast<int32_t>(elems.size());
        blk[s] = b;
        elems.push_back(static_cast<int32_t>(s));
      }
    }
    if (elems.size() == start) continue;
    first.push_back(static_cast<int32_t>(start));
    past.push_back(static_cast<int32_t>(elems.size()));
    mid.push_back(static_cast<int32_t>(start));
  }
  std::vector<std::pair<int32_t, int32_t>> work;  // (block, symbol) splitters
  std::vector<uint8_t> queued;
  auto enqueue = [&](int32_t b, size_t a) {
    queued[static_cast<size_t>(b) * num_symbols + a] = 1;
    work.emplace_back(b, static_cast<int32_t>(a));
  };
  queued.assign(first.size() * num_symbols, 0);
  for (int32_t b = 0; b < static_cast<int32_t>(first.size()); ++b) {
    for (size_t a = 0; a < num_symbols; ++a) enqueue(b, a);
  }
  std::vector<int32_t> touched;
  std::vector<int32_t> splitter;
  auto mark = [&](int32_t s) {
    const int32_t x = blk[static_cast<size_t>(s)];
    const int32_t i = loc[static_cast<size_t>(s)];
    if (i < mid[static_cast<size_t>(x)]) return;
    if (mid[static_cast<size_t>(x)] == first[static_cast<size_t>(x)]) touched.push_back(x);
    const int32_t j = mid[static_cast<size_t>(x)]++;
    const int32_t other = elems[static_cast<size_t>(j)];
    std::swap(elems[static_cast<size_t>(i)], elems[static_cast<size_t>(j)]);
    loc[static_cast<size_t>(other)] = i;
    loc[static_cast<size_t>(s)] = j;
  };
  while (!work.empty()) {
    const auto [b, a] = work.back();
    work.pop_back();
    queued[static_cast<size_t>(b) * num_symbols + static_cast<size_t>(a)] = 0;
    // Marking reorders blocks, the splitter's own too: walk a copy of it.
    splitter.assign(elems.begin() + first[static_cast<size_t>(b)], elems.begin() + past[static_cast<size_t>(b)]);
    for (const int32_t t : splitter) {
      const auto begin = in.begin() + in_begin[static_cast<size_t>(t)];
      const auto end = in.begin() + in_begin[static_cast<size_t>(t) + 1];
      for (auto it = std::lower_bound(begin, end, std::make_pair(a, -1)); it != end && it->first == a; ++it) mark(it->second);
    }
    for (const int32_t x : touched) {
      const size_t xi = static_cast<size_t>(x);
      if (mid[xi] == past[xi]) {  // every state of x moves alike: no split
        mid[xi] = first[xi];
        continue;
      }
      const int32_t y = static_cast<int32_t>(first.size());  // the marked part becomes block y
      first.push_back(first[xi]);
      past.push_back(mid[xi]);
      mid.push_back(first[xi]);
      first[xi] = mid[xi];
      for (int32_t e = first.back(); e < past.back(); ++e) blk[static_cast<size_t>(elems[static_cast<size_t>(e)])] = y;
      queued.resize(first.size() * num_symbols, 0);
      const int32_t size_x = past[xi] - first[xi];
      const int32_t size_y = past.back() - first.back();
      for (size_t c = 0; c < num_symbols; ++c) {
        if (queued[xi * num_symbols + c]) {
          enqueue(y, c);
        } else {
          enqueue(size_y <= size_x ? y : x, c);
        }
      }
    }
    touched.clear();
  }
  *num_blocks = static_cast<int32_t>(first.size());
  return blk;
}

}  // namespace llmc::grammar
