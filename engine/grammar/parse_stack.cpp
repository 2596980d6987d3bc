#include "engine/grammar/parse_stack.h"

#include <algorithm>

#include "common/check.h"

namespace llmc::grammar {
namespace {

// More live stacks than this means an ambiguity that grows with the input (e.g. `x ::= ("a" | "a")*` through
// calls); no practical constraint gets near it.
constexpr size_t kMaxConfigurations = 4096;

}  // namespace

int32_t ParseStacks::push(int32_t state, int32_t below) {
  frames_.push_back({state, below});
  return static_cast<int32_t>(frames_.size() - 1);
}

CloseResult ParseStacks::close(std::vector<int32_t>& frontier) {
  const Automaton& a = *a_;
  CloseResult result;
  work_.assign(frontier.rbegin(), frontier.rend());
  frontier.clear();
  seen_.clear();
  while (!work_.empty()) {
    const int32_t f = work_.back();
    work_.pop_back();
    const StackFrame fr = frames_[static_cast<size_t>(f)];
    const std::pair<int32_t, int32_t> key{fr.state, fr.below};
    if (std::find(seen_.begin(), seen_.end(), key) != seen_.end()) continue;
    seen_.push_back(key);
    const auto s = static_cast<size_t>(fr.state);
    if (a.scans[s]) {
      frontier.push_back(f);
      LLMC_CHECK(frontier.size() <= kMaxConfigurations)
          << "grammar: more than " << kMaxConfigurations << " parses are alive at once; the grammar is too ambiguous";
    }
    for (int32_t i = a.call_begin[s]; i < a.call_begin[s + 1]; ++i) {
      const CallEdge& e = a.calls[static_cast<size_t>(i)];
      const int32_t ret = push(e.target, fr.below);
      work_.push_back(push(a.rule_start[static_cast<size_t>(e.rule)], ret));
    }
    if (a.final[s]) {
      if (fr.below == kStackRoot) {
        result.ended = true;
      } else if (fr.below == kStackProbe) {
        result.probe_ended = true;
      } else {
        work_.push_back(fr.below);
      }
    }
  }
  return result;
}

CloseResult ParseStacks::advance(std::span<const int32_t> from, uint8_t byte, std::vector<int32_t>& out) {
  out.clear();
  const Automaton& a = *a_;
  bool simple = true;
  for (const int32_t f : from) {
    const StackFrame fr = frames_[static_cast<size_t>(f)];
    const int32_t t = a.step(fr.state, byte);
    if (t == kDeadState) continue;
    simple &= a.plain(t);
    out.push_back(push(t, fr.below));
  }
  // The common case, one stack moving inside a rule: nothing to expand, nothing to merge.
  if (simple && out.size() <= 1) return {};
  return close(out);
}

}  // namespace llmc::grammar
