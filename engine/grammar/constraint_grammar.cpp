#include "engine/grammar/constraint_grammar.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/grammar/automaton.h"
#include "engine/grammar/gbnf_parser.h"
#include "engine/grammar/json_schema.h"
#include "engine/grammar/regex_parser.h"

namespace llmc::grammar {
namespace {

Grammar choice_grammar(const std::string& text) {
  nlohmann::json list;
  try {
    list = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    LLMC_FAIL() << "choice: not a JSON array of strings: " << e.what();
  }
  LLMC_CHECK(list.is_array() && !list.empty()) << "choice: expected a non-empty JSON array of strings";
  Grammar g;
  std::vector<ExprId> options;
  for (const auto& v : list) {
    LLMC_CHECK(v.is_string()) << "choice: every choice must be a string, got " << v.dump();
    options.push_back(g.literal(v.get<std::string>()));
  }
  const RuleId root = g.add_rule("root");
  g.set_body(root, g.alt(std::move(options)));
  g.set_root(root);
  return g;
}

Grammar regex_grammar(const std::string& pattern) {
  Grammar g;
  const RuleId root = g.add_rule("root");
  g.set_body(root, regex_expr(g, pattern).expr);  // matched in full: anchors change nothing
  g.set_root(root);
  return g;
}

}  // namespace

Grammar constraint_grammar(const ConstraintSpec& spec) {
  switch (spec.kind) {
    case ConstraintKind::kJsonObject:
      return json_object_grammar();
    case ConstraintKind::kJsonSchema:
      return json_schema_grammar(spec.text, JsonSchemaOptions{spec.strict});
    case ConstraintKind::kRegex:
      return regex_grammar(spec.text);
    case ConstraintKind::kChoice:
      return choice_grammar(spec.text);
    case ConstraintKind::kGrammar:
      return parse_gbnf(spec.text);
    case ConstraintKind::kNone:
      break;
  }
  LLMC_FAIL() << "constraint: nothing to compile (kind none)";
}

void check_constraint(const ConstraintSpec& spec) {
  if (spec.active()) build_automaton(constraint_grammar(spec));
}

}  // namespace llmc::grammar
