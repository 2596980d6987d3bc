// Regular expressions (a practical subset, the syntax vLLM's guided_regex and JSON Schema's "pattern" use)
// compiled into the grammar. Supported: literals (UTF-8), escapes (\n \r \t \f \v \0 \xHH \x{H..} \uHHHH
// \u{H..}, escaped punctuation), classes [...] with ranges, negation and \d \w \s \D \W \S inside, the
// shorthands outside, `.` (any character but \n \r U+2028 U+2029), groups ( ), (?: ), (?<name> ),
// (?P<name> ), alternation |, quantifiers * + ? {n} {n,} {n,m} (a lazy `?` after them is accepted and means
// nothing here: only the language matters), and ^ at the very start / $ at the very end.
// Not supported (llmc::Error naming the position): backreferences, lookaround, word boundaries, inline
// flags, possessive quantifiers, anchors elsewhere.
#pragma once

#include <string_view>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

class JsonLexicon;

struct RegexExpr {
  ExprId expr = -1;
  bool anchored_start = false;  // the pattern began with ^
  bool anchored_end = false;    // the pattern ended with $
};

// The language of `pattern` over UTF-8 bytes. With `json` set, the expression matches the JSON-escaped form
// of the matched strings instead (the body of a JSON string literal, without its quotes).
RegexExpr regex_expr(Grammar& g, std::string_view pattern, JsonLexicon* json = nullptr);

}  // namespace llmc::grammar
