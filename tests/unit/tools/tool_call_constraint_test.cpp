// The schema a forced tool call is decoded under, per format, written out by hand; and outputs that satisfy
// it (prefix + an instance of the schema) read back by that format's parser as exactly the intended call.
#include "runtime/head/tools/tool_call_constraint.h"

#include <gtest/gtest.h>

#include "common/check.h"
#include "engine/grammar/grammar_compiler.h"
#include "engine/grammar/token_matcher.h"
#include "runtime/head/tools/chat_output_parser.h"

namespace llmc::tools {
namespace {

using ordered_json = nlohmann::ordered_json;

const ordered_json kTools = ordered_json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather now",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}, "strict": true}},
  {"type": "function", "function": {"name": "get_time", "description": "No parameters"}}
])");

const ordered_json kWeatherCall = ordered_json::parse(R"({
  "type": "object",
  "properties": {"name": {"type": "string", "enum": ["get_weather"]},
                 "ARGS": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
  "required": ["name", "ARGS"],
  "additionalProperties": false})");

const ordered_json kTimeCall = ordered_json::parse(R"({
  "type": "object",
  "properties": {"name": {"type": "string", "enum": ["get_time"]},
                 "ARGS": {"type": "object", "properties": {}}},
  "required": ["name", "ARGS"],
  "additionalProperties": false})");

ordered_json with_key(ordered_json schema, const std::string& key) {
  std::string text = schema.dump();
  for (size_t p; (p = text.find("ARGS")) != std::string::npos;) text.replace(p, 4, key);
  return ordered_json::parse(text);
}

TEST(ForcedToolCall, HermesNamedFunction) {
  const ToolCallConstraint c =
      forced_tool_call_constraint(ToolCallFormat::kHermes, kTools, std::string("get_weather"), true);
  EXPECT_EQ(c.prompt_suffix, "<tool_call>\n");
  EXPECT_EQ(c.schema, with_key(kWeatherCall, "arguments"));
  EXPECT_TRUE(c.strict);
}

TEST(ForcedToolCall, HermesRequiredIsAnyTool) {
  const ToolCallConstraint c =
      forced_tool_call_constraint(ToolCallFormat::kHermes, kTools, std::nullopt, true);
  const ordered_json expected = {
      {"anyOf", {with_key(kWeatherCall, "arguments"), with_key(kTimeCall, "arguments")}}};
  EXPECT_EQ(c.schema, expected);
  EXPECT_FALSE(c.strict);  // get_time is not strict
}

TEST(ForcedToolCall, Llama3JsonUsesParametersAndNoPrefix) {
  const ToolCallConstraint c =
      forced_tool_call_constraint(ToolCallFormat::kLlama3Json, kTools, std::string("get_time"), true);
  EXPECT_EQ(c.prompt_suffix, "");
  EXPECT_EQ(c.schema, with_key(kTimeCall, "parameters"));
}

TEST(ForcedToolCall, MistralIsAnArrayOfCalls) {
  const ToolCallConstraint any =
      forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::nullopt, true);
  EXPECT_EQ(any.prompt_suffix, "[TOOL_CALLS]");
  const ordered_json items = {
      {"anyOf", {with_key(kWeatherCall, "arguments"), with_key(kTimeCall, "arguments")}}};
  EXPECT_EQ(any.schema, (ordered_json{{"type", "array"}, {"items", items}, {"minItems", 1}}));
  const ToolCallConstraint one =
      forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::nullopt, false);
  EXPECT_EQ(one.schema["maxItems"], 1);
  const ToolCallConstraint named =
      forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::string("get_weather"), true);
  EXPECT_EQ(named.schema["items"], with_key(kWeatherCall, "arguments"));
  EXPECT_EQ(named.schema["maxItems"], 1);
}

TEST(ForcedToolCall, UnknownNameIsAnError) {
  EXPECT_THROW(forced_tool_call_constraint(ToolCallFormat::kHermes, kTools, std::string("nope"), true),
               llmc::Error);
}

// What constrained decoding may produce under each constraint (instances of the schema, written compactly and
// with spaces) is read by the parser as the intended call, with no content.
TEST(ForcedToolCall, InstancesOfTheSchemaParseAsTheCall) {
  struct Case {
    ToolCallFormat format;
    std::string output;
    std::vector<std::pair<std::string, std::string>> calls;
  };
  const std::vector<Case> cases = {
      {ToolCallFormat::kHermes,
       R"({"name":"get_weather","arguments":{"city":"Oslo"}})",
       {{"get_weather", R"({"city":"Oslo"})"}}},
      {ToolCallFormat::kHermes, R"({"name": "get_time", "arguments": {}})", {{"get_time", "{}"}}},
      {ToolCallFormat::kLlama3Json,
       R"({"name":"get_weather","parameters":{"city":"Oslo"}})",
       {{"get_weather", R"({"city":"Oslo"})"}}},
      {ToolCallFormat::kMistral,
       R"([{"name":"get_weather","arguments":{"city":"Oslo"}},{"name":"get_time","arguments":{}}])",
       {{"get_weather", R"({"city":"Oslo"})"}, {"get_time", "{}"}}},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.output);
    ChatOutputOptions o;
    o.tool_calls = k.format;
    o.forced_prefix = forced_tool_call_constraint(k.format, kTools, std::nullopt, true).prompt_suffix;
    ChatOutputParser p(o);
    ParsedOutput m;
    m.add(p.feed(k.output));
    m.add(p.finish());
    EXPECT_EQ(m.content, "");
    ASSERT_EQ(m.tool_calls.size(), k.calls.size());
    for (size_t i = 0; i < k.calls.size(); ++i) {
      EXPECT_EQ(m.tool_calls[i].name, k.calls[i].first);
      EXPECT_EQ(m.tool_calls[i].arguments, k.calls[i].second);
    }
  }
}

// The constraint as the grammar engine compiles it, over a vocabulary of single bytes (token b is byte b, 256
// is EOS), so that what it accepts can be checked as text.
bool constraint_accepts(const ToolCallConstraint& c, std::string_view text) {
  static grammar::GrammarCompiler compiler = [] {
    std::vector<std::string> bytes;
    for (int b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
    return grammar::GrammarCompiler(grammar::TokenVocabulary(std::move(bytes), {256}, 257));
  }();
  grammar::TokenMatcher m(compiler.compile(constraint_spec(c)));
  if (!text.empty() && !m.accept_bytes(text)) return false;
  return m.can_end();
}

TEST(ForcedToolCall, TheGrammarEngineTakesTheSchemaAndAcceptsOnlyCalls) {
  const ToolCallConstraint hermes =
      forced_tool_call_constraint(ToolCallFormat::kHermes, kTools, std::nullopt, true);
  const ConstraintSpec spec = constraint_spec(hermes);
  EXPECT_EQ(spec.kind, ConstraintKind::kJsonSchema);
  EXPECT_EQ(ordered_json::parse(spec.text), hermes.schema);
  EXPECT_FALSE(spec.strict);
  EXPECT_TRUE(constraint_accepts(hermes, R"({"name": "get_weather", "arguments": {"city": "Oslo"}})"));
  EXPECT_TRUE(constraint_accepts(hermes, R"({"name":"get_time","arguments":{}})"));
  EXPECT_FALSE(
      constraint_accepts(hermes, R"({"name": "get_weather", "arguments": {}})"));  // city is required
  EXPECT_FALSE(constraint_accepts(hermes, R"({"name": "rm_rf", "arguments": {}})"));
  EXPECT_FALSE(constraint_accepts(hermes, R"({"name": "get_time"})"));
  EXPECT_FALSE(constraint_accepts(hermes, R"(Sure! {"name": "get_time", "arguments": {}})"));
  EXPECT_FALSE(constraint_accepts(hermes, R"({"name": "get_time", "arguments": {}, "extra": 1})"));

  const ToolCallConstraint named =
      forced_tool_call_constraint(ToolCallFormat::kLlama3Json, kTools, std::string("get_weather"), true);
  EXPECT_TRUE(constraint_spec(named).strict);
  EXPECT_TRUE(constraint_accepts(named, R"({"name": "get_weather", "parameters": {"city": "Oslo"}})"));
  EXPECT_FALSE(constraint_accepts(named, R"({"name": "get_time", "parameters": {}})"));

  const ToolCallConstraint mistral =
      forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::nullopt, true);
  EXPECT_TRUE(constraint_accepts(
      mistral,
      R"([{"name": "get_time", "arguments": {}}, {"name": "get_weather", "arguments": {"city": "Rome"}}])"));
  EXPECT_FALSE(constraint_accepts(mistral, "[]"));
  const ToolCallConstraint single =
      forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::nullopt, false);
  EXPECT_FALSE(constraint_accepts(
      single, R"([{"name": "get_time", "arguments": {}}, {"name": "get_time", "arguments": {}}])"));
  EXPECT_TRUE(constraint_accepts(single, R"([{"name": "get_time", "arguments": {}}])"));
}

}  // namespace
}  // namespace llmc::tools
