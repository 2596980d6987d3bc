// A compiled grammar: one deterministic, minimal automaton per rule that is not inlined, over byte classes
// (bytes no rule tells apart share a class) plus call edges. Running it needs a stack of return states
// (parse_stack.h): a call edge pushes, reaching a final state may pop. States of all rules share one id
// space; transition tables are flat arrays so that one step is one lookup.
//
// Invariants: every state can reach a final state of its rule (dead states are removed); ids of a rule's
// states are contiguous and its start state comes first.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

inline constexpr int32_t kDeadState = -1;

struct CallEdge {
  RuleId rule = -1;      // automaton rule index (see Automaton::rule_names)
  int32_t target = -1;   // state to return to once the callee ends
};

struct Automaton {
  int32_t num_classes = 0;
  std::array<uint8_t, 256> byte_class{};
  int32_t num_states = 0;
  std::vector<int32_t> next;        // [num_states * num_classes]: state after one byte, or kDeadState
  std::vector<int32_t> call_begin;  // [num_states + 1]: the state's calls are calls[call_begin[s], call_begin[s+1])
  std::vector<CallEdge> calls;
  std::vector<uint8_t> final;       // [num_states]: the rule may end here
  std::vector<uint8_t> scans;       // [num_states]: some byte leads somewhere
  std::vector<RuleId> state_rule;   // [num_states]
  std::vector<int32_t> rule_start;  // [rules]
  std::vector<std::string> rule_names;
  std::vector<ByteSet> follow;      // [rules]: bytes that may come right after the rule ends, in any caller
  std::vector<uint8_t> rule_called; // [rules]: some call edge targets the rule
  RuleId root = 0;

  int32_t step(int32_t state, uint8_t byte) const {
    return next[static_cast<size_t>(state) * static_cast<size_t>(num_classes) + byte_class[byte]];
  }
  // Neither calls nor a final state: one lookup advances it, no stack work is needed.
  bool plain(int32_t state) const {
    return !final[static_cast<size_t>(state)] && call_begin[static_cast<size_t>(state)] ==
                                                     call_begin[static_cast<size_t>(state) + 1];
  }
};

// Throws llmc::Error for grammars analyze() rejects or that grow past the size limits.
Automaton build_automaton(const Grammar& g);

}  // namespace llmc::grammar
