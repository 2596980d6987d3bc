// ConstraintSpec -> Grammar, dispatching to the front end of each kind. Every kind compiles to the same
// internal form (grammar.h), so matching and masks are one mechanism.
#pragma once

#include "engine/grammar/constraint.h"
#include "engine/grammar/grammar.h"

namespace llmc::grammar {

// Throws llmc::Error naming the kind and what is wrong with the text (invalid JSON, unsupported keyword,
// regex or grammar syntax) so the API can answer 400 with it.
Grammar constraint_grammar(const ConstraintSpec& spec);

// Compiles the constraint's automaton without a vocabulary (milliseconds for typical schemas): what the head
// calls when a request arrives, so that a constraint that cannot compile is a 400 naming the problem instead
// of a failed step on the worker. Throws llmc::Error as constraint_grammar() and build_automaton() do.
void check_constraint(const ConstraintSpec& spec);

}  // namespace llmc::grammar
