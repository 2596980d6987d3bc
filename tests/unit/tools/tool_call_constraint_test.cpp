// The schema a forced tool call is decoded under, per format, written out by hand; and outputs that satisfy it
// (prefix + an instance of the schema) read back by that format's parser as exactly the intended call.
#include <gtest/gtest.h>

#include "runtime/head/tools/chat_output_parser.h"
#include "common/check.h"
#include "runtime/head/tools/tool_call_constraint.h"

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
  const ToolCallConstraint c = forced_tool_call_constraint(ToolCallFormat::kHermes, kTools, std::nullopt, true);
  const ordered_json expected = {{"anyOf", {with_key(kWeatherCall, "arguments"), with_key(kTimeCall, "arguments")}}};
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
  const ToolCallConstraint any = forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::nullopt, true);
  EXPECT_EQ(any.prompt_suffix, "[TOOL_CALLS]");
  const ordered_json items = {{"anyOf", {with_key(kWeatherCall, "arguments"), with_key(kTimeCall, "arguments")}}};
  EXPECT_EQ(any.schema, (ordered_json{{"type", "array"}, {"items", items}, {"minItems", 1}}));
  const ToolCallConstraint one = forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::nullopt, false);
  EXPECT_EQ(one.schema["maxItems"], 1);
  const ToolCallConstraint named =
      forced_tool_call_constraint(ToolCallFormat::kMistral, kTools, std::string("get_weather"), true);
  EXPECT_EQ(named.schema["items"], with_key(kWeatherCall, "arguments"));
  EXPECT_EQ(named.schema["maxItems"], 1);
}

TEST(ForcedToolCall, UnknownNameIsAnError) {
  EXPECT_THROW(forced_tool_call_constraint(ToolCallFormat::kHermes, kTools, std::string("nope"), true), llmc::Error);
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
      {ToolCallFormat::kHermes, R"({"name":"get_weather","arguments":{"city":"Oslo"}})",
       {{"get_weather", R"({"city":"Oslo"})"}}},
      {ToolCallFormat::kHermes, R"({"name": "get_time", "arguments": {}})", {{"get_time", "{}"}}},
      {ToolCallFormat::kLlama3Json, R"({"name":"get_weather","parameters":{"city":"Oslo"}})",
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

}  // namespace
}  // namespace llmc::tools
