// Checks a Grammar before it is compiled and decides which rules are inlined into their callers.
//
// Checks (llmc::Error naming the rule): every rule reachable from the root has a body, derives at least one
// finite string (a rule such as `a ::= "x" a` cannot end), and is not left-recursive (`e ::= e "+" t`; the
// matcher expands calls eagerly, as llama.cpp's does, and rejects these too: rewrite as `e ::= t ("+" t)*`).
//
// Inlining: a call to an inlined rule is compiled as a copy of the rule's body, so the caller's automaton
// covers it and the per-state token masks need no knowledge of the stack (fewer context-dependent tokens).
// Every rule outside a cycle is inlined unless its expansion is too large; in each cycle, the largest rules
// are kept as real calls until the rest is acyclic. The root is never inlined.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

struct GrammarAnalysis {
  std::vector<bool> reachable;  // [rules] from the root
  std::vector<bool> nullable;   // [rules] derives the empty string
  std::vector<bool> inlined;    // [rules] compiled into callers (never the root)
};

GrammarAnalysis analyze(const Grammar& g);

}  // namespace llmc::grammar
