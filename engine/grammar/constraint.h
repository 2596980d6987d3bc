// What a request constrains its output to (structured output / guided decoding), as the API gives it. It
// travels with the request's SamplingParams (and so in the step plan's new-request part); the sampling
// worker compiles it against the model's vocabulary (GrammarCompiler, cached by this spec) and masks logits
// with it every step (TokenMatcher).
#pragma once

#include <cstdint>
#include <string>

namespace llmc {

enum class ConstraintKind : uint8_t {
  kNone = 0,
  kJsonObject = 1,  // response_format {"type": "json_object"}: any JSON object
  kJsonSchema = 2,  // response_format json_schema / guided_json: text is the schema (JSON)
  kRegex = 3,       // guided_regex: text is the pattern, matched in full
  kChoice = 4,      // guided_choice: text is a JSON array of the allowed strings
  kGrammar = 5,     // guided_grammar: text is a GBNF grammar (engine/grammar/gbnf_parser.h)
};

struct ConstraintSpec {
  ConstraintKind kind = ConstraintKind::kNone;
  std::string text;
  // json_schema only: keywords that cannot be enforced are errors instead of being ignored.
  bool strict = false;

  bool active() const { return kind != ConstraintKind::kNone; }
  bool operator==(const ConstraintSpec&) const = default;
};

inline const char* constraint_kind_name(ConstraintKind kind) {
  switch (kind) {
    case ConstraintKind::kNone:
      return "none";
    case ConstraintKind::kJsonObject:
      return "json_object";
    case ConstraintKind::kJsonSchema:
      return "json_schema";
    case ConstraintKind::kRegex:
      return "regex";
    case ConstraintKind::kChoice:
      return "choice";
    case ConstraintKind::kGrammar:
      return "grammar";
  }
  return "unknown";
}

}  // namespace llmc
