// Internal to build_automaton(): one rule's DFA while it is built, and the passes after subset construction.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/grammar/automaton.h"

namespace llmc::grammar {

struct RuleDfa {
  int32_t num_classes = 0;
  int32_t num_states = 0;
  std::vector<int32_t> next;                 // [num_states * num_classes], local ids or kDeadState
  std::vector<std::vector<CallEdge>> calls;  // [num_states]; targets are local ids
  std::vector<uint8_t> final;                // [num_states]
};

// Drops states that cannot reach a final state or cannot be reached from the start, merges equivalent
// states (Hopcroft's partition refinement), and numbers states breadth-first from the start (which stays 0).
void trim_and_minimize(RuleDfa& dfa);

// Block of every state in the coarsest partition of the live states (`live[s]`) that keeps finals apart and
// respects every transition (dfa_minimize.cpp, Hopcroft); -1 for states that are not live.
std::vector<int32_t> equivalent_states(const RuleDfa& dfa, const std::vector<uint8_t>& live, int32_t* num_blocks);

// Lays the rules' DFAs out in one id space in `a` (rule i's states after rule i-1's) and computes the
// per-state flags and the follow sets.
void link_rules(const std::vector<RuleDfa>& dfas, Automaton& a);

}  // namespace llmc::grammar
