// The lexical pieces of JSON text as grammar expressions (RFC 8259), made once per grammar and shared by the
// JSON Schema and JSON-object front ends: whitespace, strings (optionally length-bounded, or from a character
// class with the escapes the class needs), numbers, integers, literals, and the recursive rules of an
// arbitrary JSON value.
//
// Whitespace between tokens is [ \t\n\r]{0,20}: enough for pretty-printing, and bounded so that a model
// cannot loop on whitespace forever (the failure unbounded JSON whitespace is known for); no whitespace
// before or after the top-level value. \u escapes never spell a surrogate (a lone one is not a character, and a pair would
// make string lengths disagree with JSON Schema's count of characters).
#pragma once

#include <string>
#include <string_view>

#include "engine/grammar/char_class.h"
#include "engine/grammar/grammar.h"

namespace llmc::grammar {

inline constexpr int32_t kMaxJsonWhitespace = 20;

class JsonLexicon {
 public:
  explicit JsonLexicon(Grammar& g) : g_(g) {}

  ExprId ws();
  // One character of a string body: raw UTF-8, or an escape (\" \\ \/ \b \f \n \r \t \uXXXX).
  ExprId any_char();
  // One character of `set` as it appears in a string body: raw, or the escape JSON requires for it
  // (", \ and control characters).
  ExprId char_of(const CharClass& set);
  // A whole string literal with quotes, between min and max characters (max -1: unbounded).
  ExprId string(int32_t min_chars = 0, int32_t max_chars = -1);
  ExprId number();   // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  ExprId integer();  // -?(0|[1-9][0-9]*)
  // Any JSON value; the first call adds the rules json-value, json-object and json-array.
  ExprId any_value();
  ExprId any_object();
  ExprId any_array();

 private:
  void make_value_rules();
  Grammar& g_;
  ExprId ws_ = -1;
  ExprId any_char_ = -1;
  ExprId number_ = -1;
  ExprId integer_ = -1;
  RuleId value_ = -1;
  RuleId object_ = -1;
  RuleId array_ = -1;
};

// `text` (UTF-8) as a JSON string literal with quotes, escaped the way JSON serializers do (so enum values and
// property names are produced in one canonical spelling).
std::string json_quote(std::string_view text);

}  // namespace llmc::grammar
