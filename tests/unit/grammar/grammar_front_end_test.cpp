// GBNF, choice, JSON object and JSON Schema constraints: hand-checked accept/reject sets of whole texts, and
// the errors bad constraints give.
#include "common/check.h"
#include "engine/grammar/constraint_grammar.h"
#include "tests/unit/grammar/grammar_test_util.h"

namespace llmc::test {
namespace {

void expect_sets(const ConstraintSpec& s, const std::vector<std::string>& accept, const std::vector<std::string>& reject) {
  for (const std::string& t : accept) EXPECT_TRUE(full_match(s, t)) << s.text << "\nshould accept: " << t;
  for (const std::string& t : reject) EXPECT_FALSE(full_match(s, t)) << s.text << "\nshould reject: " << t;
}

ConstraintSpec schema(const std::string& text, bool strict = false) { return spec(ConstraintKind::kJsonSchema, text, strict); }

TEST(GbnfConstraint, ArithmeticWithRecursion) {
  const auto g = spec(ConstraintKind::kGrammar, R"G(
    # expressions without left recursion
    root ::= expr
    expr ::= term (("+" | "-") term)*
    term ::= factor ("*" factor)*
    factor ::= [0-9]+ | "(" expr ")"
  )G");
  expect_sets(g, {"1", "1+2*3", "(1+2)*3", "((7))", "10-(2*(3+4))"}, {"", "1+", "(1", "1)", "()", "+1", "1**2"});
  EXPECT_TRUE(prefix_ok(g, "((1+"));
  EXPECT_FALSE(prefix_ok(g, "(1))"));
}

TEST(GbnfConstraint, LiteralsClassesRepetitionAndEscapes) {
  const auto g = spec(ConstraintKind::kGrammar,
                      "root ::= \"\\\"\" [a-z\\u00e9-]{2,3} \"\\\"\" tail?\n"
                      "tail ::= \"\\n\" [^\\n]* | \"\\x41\"\n");
  expect_sets(g, {"\"ab\"", "\"é-z\"", "\"abc\"\nanything here", "\"zz\"A"}, {"\"a\"", "\"abcd\"", "ab", "\"ab\"\n\n"});
}

TEST(GbnfConstraint, MultiLineBodiesAndDashedNames) {
  const auto g = spec(ConstraintKind::kGrammar,
                      "root ::= item-list\n"
                      "item-list ::=\n"
                      "   \"[\" (\n"
                      "      item (\",\" item)*\n"
                      "   )? \"]\"\n"
                      "item ::= \"x\" | \"y\"\n");
  expect_sets(g, {"[]", "[x]", "[x,y,x]"}, {"[", "[x,]", "[z]"});
}

TEST(GbnfConstraint, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"root ::= a", "undefined rule 'a'"},
      {"start ::= \"x\"", "no 'root' rule"},
      {"root ::= e\ne ::= e \"+\" \"1\" | \"1\"", "left recursion"},
      {"root ::= a\na ::= \"x\" a", "never ends"},
      {"root ::= \"x\"\nroot ::= \"y\"", "defined twice"},
      {"root ::= \"x", "unterminated string"},
      {"root ::= [a-", "unterminated character class"},
      {"root ::= (\"x\"", "missing ')'"},
      {"root ::= \"\\q\"", "unknown escape"},
  };
  for (const auto& [text, message] : cases) {
    try {
      byte_compiler().compile(spec(ConstraintKind::kGrammar, text));
      ADD_FAILURE() << "no error for: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST(ChoiceConstraint, ExactStringsOnly) {
  const auto c = spec(ConstraintKind::kChoice, R"(["yes", "no", "nö", "y"])");
  expect_sets(c, {"yes", "no", "nö", "y"}, {"", "ye", "yess", "No", "n"});
  EXPECT_TRUE(prefix_ok(c, "ye"));
  EXPECT_THROW(byte_compiler().compile(spec(ConstraintKind::kChoice, "[1]")), Error);
  EXPECT_THROW(byte_compiler().compile(spec(ConstraintKind::kChoice, "[]")), Error);
}

TEST(JsonObjectConstraint, AnyObject) {
  const auto j = spec(ConstraintKind::kJsonObject, "");
  expect_sets(j,
              {"{}", "{ }", R"({"a":1})", R"({"a": [1, 2.5e-3, "x", null, true, false, {"b": {}}], "c": -0})",
               "{\n  \"k\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\": \"é😀\"\n}"},
              {"", "[]", "1", R"({"a"})", R"({"a":})", R"({"a":1,})", R"({a:1})", R"({"a":01})", R"({"a":1.})",
               R"({"a":.5})", "{\"a\":\"\x01\"}", R"({"a":"\x"})", R"({"a":"\ud800"})", " {}", "{} "});
  // Whitespace runs are bounded (20), so a model cannot loop on them.
  EXPECT_TRUE(full_match(j, "{" + std::string(20, ' ') + "}"));
  EXPECT_FALSE(full_match(j, "{" + std::string(21, ' ') + "}"));
  EXPECT_TRUE(full_match(j, "{\n" + std::string(19, ' ') + "\"a\":" + std::string(20, '\t') + "1}"));
}

TEST(JsonSchemaConstraint, ObjectsWithRequiredAndOptionalProperties) {
  const auto s = schema(R"({"type": "object", "properties": {
      "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}},
      "required": ["b"]})");
  expect_sets(s, {R"({"b":"x"})", R"({"a":1,"b":""})", R"({"b":"x","c":true})", R"({ "a" : -5 , "b" : "y" , "c" : false })"},
              {"{}", R"({"a":1})", R"({"b":"x","a":1})", R"({"b":1})", R"({"b":"x","d":1})", R"({"a":1,"b":"x",})",
               R"({"c":true,"b":"x"})"});
  const auto none = schema(R"({"type":"object","properties":{"x":{"type":"null"},"y":{"const":[1,{"z":"w"}]}}})");
  expect_sets(none, {"{}", R"({"x":null})", R"({"y":[1,{"z":"w"}]})", R"({"x":null,"y":[1,{"z":"w"}]})"},
              {R"({"y":[1]})", R"({,"y":[1,{"z":"w"}]})", R"({"x":null,})"});
}

TEST(JsonSchemaConstraint, AdditionalPropertiesAndNesting) {
  const auto s = schema(R"({"type":"object","properties":{"id":{"type":"integer"},
      "tags":{"type":"object","additionalProperties":{"type":"number"}}},
      "required":["id","tags"],"additionalProperties":false})");
  expect_sets(s, {R"({"id":1,"tags":{}})", R"({"id":1,"tags":{"x":1.5,"y":-2}})"},
              {R"({"id":1})", R"({"id":1,"tags":{"x":"a"}})", R"({"id":1,"tags":{},"z":1})"});
}

TEST(JsonSchemaConstraint, ArraysWithCountsAndTuples) {
  expect_sets(schema(R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})"),
              {"[1]", "[1,2,3]", "[ 1 , 2 ]"}, {"[]", "[1,2,3,4]", "[1,]", "[\"a\"]"});
  expect_sets(schema(R"({"type":"array","prefixItems":[{"type":"string"},{"type":"null"}],"items":false})"),
              {"[]", "[\"a\"]", "[\"a\",null]"}, {"[null]", "[\"a\",null,1]"});
  expect_sets(schema(R"({"type":"array","prefixItems":[{"const":1}],"minItems":2,"items":{"enum":["x","y"]}})"),
              {"[1,\"x\"]", "[1,\"y\",\"x\"]"}, {"[1]", "[1,\"z\"]", "[\"x\",1]"});
  expect_sets(schema(R"({"type":"array","maxItems":0})"), {"[]", "[ ]"}, {"[1]"});
}

TEST(JsonSchemaConstraint, ScalarsEnumsAndStrings) {
  expect_sets(schema(R"({"enum":["red","green",3,null]})"), {"\"red\"", "\"green\"", "3", "null"}, {"\"blue\"", "\"Red\"", "3.0"});
  expect_sets(schema(R"({"type":"string","minLength":2,"maxLength":3})"),
              {"\"ab\"", "\"abc\"", "\"é😀\"", "\"\\n\\t\"", "\"a\\u0041\""}, {"\"a\"", "\"abcd\"", "\"\\ud83d\\ude00\""});
  expect_sets(schema(R"({"type":"string","pattern":"^[A-Z]{2}-\\d+$"})"), {"\"AB-12\""}, {"\"AB-\"", "\"xAB-1\""});
  expect_sets(schema(R"({"type":"string","pattern":"a\"b"})"), {"\"a\\\"b\"", "\"xxa\\\"byy\""}, {"\"ab\"", "\"a\"b\""});
  expect_sets(schema(R"({"type":"string","format":"date"})"), {"\"2024-02-29\""}, {"\"2024-13-01\"", "\"24-01-01\""});
  expect_sets(schema(R"({"type":"string","format":"uuid"})"), {"\"123e4567-e89b-12d3-a456-426614174000\""}, {"\"123e4567\""});
  expect_sets(schema(R"({"type":["integer","null"]})"), {"0", "-12", "null"}, {"1.5", "01", "-0.0", "\"1\""});
  expect_sets(schema(R"({"type":"number"})"), {"0", "-1.5e+10", "2E3", "0.25"}, {"+1", "1e", ".1", "00"});
  expect_sets(schema(R"({"type":"number","minimum":0})"), {"0", "1.5", "3e-2"}, {"-1", "-0.5"});
}

TEST(JsonSchemaConstraint, IntegerRanges) {
  const auto s = schema(R"({"type":"integer","minimum":-15,"maximum":120})");
  for (int v = -40; v <= 200; ++v) EXPECT_EQ(full_match(s, std::to_string(v)), v >= -15 && v <= 120) << v;
  EXPECT_FALSE(full_match(s, "007"));
  EXPECT_FALSE(full_match(s, "-0"));
  const auto e = schema(R"({"type":"integer","exclusiveMinimum":9,"exclusiveMaximum":1000})");
  for (int v : {9, 10, 99, 100, 999, 1000, 1001}) EXPECT_EQ(full_match(e, std::to_string(v)), v > 9 && v < 1000) << v;
  const auto open = schema(R"({"type":"integer","minimum":37})");
  for (int v : {0, 36, 37, 99, 100, 12345}) EXPECT_EQ(full_match(open, std::to_string(v)), v >= 37) << v;
  const auto neg = schema(R"({"type":"integer","maximum":-3})");
  for (int v : {-1000, -10, -3, -2, 0, 5}) EXPECT_EQ(full_match(neg, std::to_string(v)), v <= -3) << v;
}

TEST(JsonSchemaConstraint, CompositionAndReferences) {
  expect_sets(schema(R"({"anyOf":[{"type":"integer"},{"type":"object","properties":{"k":{"type":"string"}},"required":["k"]}]})"),
              {"1", R"({"k":"v"})"}, {"{}", "\"k\""});
  expect_sets(schema(R"({"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},
                                  {"properties":{"b":{"type":"integer"}},"required":["b"]}]})"),
              {R"({"a":1,"b":2})"}, {R"({"a":1})", R"({"b":2})"});
  // A recursive tree through $defs.
  const auto tree = schema(R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
      "v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"]}}})");
  expect_sets(tree, {R"({"v":1})", R"({"v":1,"kids":[]})", R"({"v":1,"kids":[{"v":2,"kids":[{"v":3}]},{"v":4}]})"},
              {R"({"kids":[]})", R"({"v":1,"kids":[{}]})", R"({"v":1,"kids":[{"v":2,"kids":[{"x":3}]}]})"});
  // "#" is the root itself.
  expect_sets(schema(R"({"type":"array","items":{"$ref":"#"},"maxItems":2})"), {"[]", "[[],[[]]]"}, {"[[],[],[]]"});
}

TEST(JsonSchemaConstraint, StrictModeRefusesWhatItCannotEnforce) {
  for (const char* s : {R"({"type":"integer","multipleOf":3})", R"({"type":"array","uniqueItems":true})",
                        R"({"type":"number","maximum":5})", R"({"type":"string","format":"hostname"})",
                        R"({"type":"string","pattern":"a","maxLength":3})", R"({"not":{"type":"null"}})"}) {
    EXPECT_THROW(byte_compiler().compile(schema(s, true)), Error) << s;
    EXPECT_NO_THROW(byte_compiler().compile(schema(s, false))) << s;
  }
  for (const char* s : {"[1]", "{\"type\":\"color\"}", "{\"$ref\":\"#/$defs/missing\"}", "{\"$ref\":\"http://x/y\"}",
                        "false", "{\"enum\":[]}", "{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}", "{"}) {
    EXPECT_THROW(byte_compiler().compile(schema(s)), Error) << s;
  }
}

TEST(CheckConstraint, WithoutAVocabulary) {
  EXPECT_NO_THROW(grammar::check_constraint(ConstraintSpec{}));
  EXPECT_NO_THROW(grammar::check_constraint(schema(R"({"type":"object","properties":{"a":{"type":"integer"}}})")));
  EXPECT_NO_THROW(grammar::check_constraint(spec(ConstraintKind::kGrammar, "root ::= [a-z]+")));
  EXPECT_THROW(grammar::check_constraint(schema(R"({"type":"integer","multipleOf":2})", true)), Error);
  EXPECT_THROW(grammar::check_constraint(spec(ConstraintKind::kRegex, "a{5,2}")), Error);
  EXPECT_THROW(grammar::check_constraint(spec(ConstraintKind::kGrammar, "root ::= root \"x\" | \"y\"")), Error);
  // Long unrolled chains compile in about a second (Hopcroft; Moore's refinement took minutes here) ...
  EXPECT_NO_THROW(grammar::check_constraint(spec(ConstraintKind::kRegex, "a{100000}b{100000}c{100000}")));
  // ... and what would unroll past the limits is refused before any automaton is built.
  EXPECT_THROW(grammar::check_constraint(spec(ConstraintKind::kRegex, "(a{100000}){100}")), Error);
}

}  // namespace
}  // namespace llmc::test
