// GBNF, the EBNF dialect of llama.cpp grammars (also what XGrammar reads, and what vLLM's guided_grammar
// passes through to it), parsed into a Grammar:
//
//   root   ::= object            # the start rule is always `root`
//   object ::= "{" ws ( pair ( "," ws pair )* )? "}"
//   pair   ::= [a-z]+ ":" ws ("yes" | "no") ws
//   ws     ::= [ \t\n]*
//
// Rule names are [A-Za-z0-9_-]+. Terminals: "strings" and [classes] (code points, UTF-8; ranges, ^
// negation; escapes \n \r \t \\ \" \[ \] \- \^ \xHH \uHHHH \UHHHHHHHH), `.` for any character. Grouping ( ),
// alternation |, quantifiers * + ? {m} {m,} {m,n}. `#` comments run to the end of the line. A rule's body runs
// until the next `name ::=` (newlines are plain whitespace, so bodies may span lines freely).
// Errors (llmc::Error with line and column): syntax, undefined or duplicate rules, no root.
#pragma once

#include <string_view>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

Grammar parse_gbnf(std::string_view text);

}  // namespace llmc::grammar
