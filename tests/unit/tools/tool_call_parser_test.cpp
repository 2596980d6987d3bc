// Every case of tests/data/tools/tool_call_outputs.json (outputs written by hand in each model's documented
// format, with the content, reasoning and calls a reader of that format finds in them) parsed whole, byte by
// byte, split at every single point, at every pair of points (short cases) and at random points. Besides the
// result, each run checks the stream is shaped as OpenAI streams tool calls: a call's first delta carries its
// id and name, its argument text follows, and no call's text comes after the next call has started.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "runtime/head/tools/chat_output_parser.h"

namespace llmc::tools {
namespace {

using nlohmann::json;

json read_cases() {
  const char* root = std::getenv("LLMC_TEST_DATA");
  const std::filesystem::path path =
      std::filesystem::path(root != nullptr ? root : "tests/data") / "tools" / "tool_call_outputs.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str());
}

ChatOutputOptions options_of(const json& c) {
  ChatOutputOptions o;
  if (c.contains("parser")) o.tool_calls = tool_call_format_from_name(c["parser"].get<std::string>());
  if (c.contains("reasoning")) o.reasoning = reasoning_format_from_name(c["reasoning"].get<std::string>());
  return o;
}

// Parses `output` cut at `cuts` (sorted byte offsets); checks the stream's shape; returns the accumulated
// message.
ParsedOutput parse_in_pieces(const ChatOutputOptions& options, const std::string& output,
                             const std::vector<size_t>& cuts) {
  int next_id = 0;
  ChatOutputParser parser(options, [&](ToolCallFormat) { return "id" + std::to_string(next_id++); });
  ParsedOutput message;
  int32_t started = 0;
  const auto check = [&](const OutputDelta& d) {
    for (const ToolCallDelta& t : d.tool_calls) {
      if (!t.name.empty()) {
        EXPECT_EQ(t.index, started) << "calls start in order";
        EXPECT_EQ(t.id, "id" + std::to_string(started));
        ++started;
      } else {
        EXPECT_TRUE(t.id.empty());
        EXPECT_EQ(t.index, started - 1) << "argument text belongs to the latest call";
        EXPECT_FALSE(t.arguments.empty());
      }
    }
    message.add(d);
  };
  size_t from = 0;
  for (const size_t cut : cuts) {
    check(parser.feed(std::string_view(output).substr(from, cut - from)));
    from = cut;
  }
  check(parser.feed(std::string_view(output).substr(from)));
  check(parser.finish());
  EXPECT_EQ(parser.called_tools(), started > 0);
  return message;
}

std::string describe(const ParsedOutput& m) {
  json calls = json::array();
  for (const ToolCall& c : m.tool_calls) calls.push_back({{"name", c.name}, {"arguments", c.arguments}});
  return json{{"reasoning_content", m.reasoning}, {"content", m.content}, {"tool_calls", calls}}.dump();
}

std::string expected_of(const json& c) {
  ParsedOutput m;
  m.reasoning = c.value("reasoning_content", "");
  m.content = c["content"].get<std::string>();
  for (const json& t : c["tool_calls"]) {
    m.tool_calls.push_back({"", t["name"].get<std::string>(), t["arguments"].get<std::string>()});
  }
  return describe(m);
}

class RecordedOutputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cases_ = new json(read_cases()); }
  static void TearDownTestSuite() { delete cases_; }
  static json* cases_;
};
json* RecordedOutputs::cases_ = nullptr;

TEST_F(RecordedOutputs, WholeAndByteByByte) {
  ASSERT_GE(cases_->size(), 30u);
  for (const json& c : *cases_) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string output = c["output"].get<std::string>();
    EXPECT_EQ(describe(parse_in_pieces(options_of(c), output, {})), expected_of(c));
    std::vector<size_t> every;
    for (size_t i = 1; i < output.size(); ++i) every.push_back(i);
    EXPECT_EQ(describe(parse_in_pieces(options_of(c), output, every)), expected_of(c));
  }
}

TEST_F(RecordedOutputs, EverySplitPoint) {
  for (const json& c : *cases_) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string output = c["output"].get<std::string>();
    const std::string expected = expected_of(c);
    for (size_t i = 0; i <= output.size(); ++i) {
      ASSERT_EQ(describe(parse_in_pieces(options_of(c), output, {i})), expected) << "split at " << i;
    }
  }
}

TEST_F(RecordedOutputs, EveryPairOfSplitPointsInShortOutputs) {
  for (const json& c : *cases_) {
    const std::string output = c["output"].get<std::string>();
    if (output.size() > 130) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string expected = expected_of(c);
    for (size_t i = 0; i <= output.size(); ++i) {
      for (size_t j = i; j <= output.size(); ++j) {
        ASSERT_EQ(describe(parse_in_pieces(options_of(c), output, {i, j})), expected) << i << ", " << j;
      }
    }
  }
}

TEST_F(RecordedOutputs, RandomMultiSplits) {
  std::mt19937 rng(20240614);
  for (const json& c : *cases_) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string output = c["output"].get<std::string>();
    const std::string expected = expected_of(c);
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<size_t> cuts;
      const size_t n = std::uniform_int_distribution<size_t>(2, 12)(rng);
      for (size_t k = 0; k < n; ++k)
        cuts.push_back(std::uniform_int_distribution<size_t>(0, output.size())(rng));
      std::sort(cuts.begin(), cuts.end());
      ASSERT_EQ(describe(parse_in_pieces(options_of(c), output, cuts)), expected) << "trial " << trial;
    }
  }
}

// Streaming really streams: argument text is given as it arrives, not at the end of the call.
TEST(ToolCallStreaming, ArgumentsStreamBeforeTheCallEnds) {
  ChatOutputOptions o;
  o.tool_calls = ToolCallFormat::kHermes;
  ChatOutputParser p(o, [](ToolCallFormat) { return "call_x"; });
  EXPECT_TRUE(p.feed("<tool_call>\n{\"name\": \"get_weather\", ").empty());
  OutputDelta d = p.feed("\"arguments\": {\"ci");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].id, "call_x");
  EXPECT_EQ(d.tool_calls[0].name, "get_weather");
  EXPECT_EQ(d.tool_calls[0].arguments, "{\"ci");
  d = p.feed("ty\": \"Paris\"}}\n</tool_call>");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].arguments, "ty\": \"Paris\"}");
  EXPECT_TRUE(d.tool_calls[0].name.empty());
  EXPECT_TRUE(p.finish().empty());
  EXPECT_TRUE(p.called_tools());
}

// Content streams too, holding back only what may start a marker.
TEST(ToolCallStreaming, ContentIsHeldOnlyWhileItMayStartAMarker) {
  ChatOutputOptions o;
  o.tool_calls = ToolCallFormat::kHermes;
  ChatOutputParser p(o);
  EXPECT_EQ(p.feed("Hello <to").content, "Hello");
  EXPECT_EQ(p.feed("ol").content, "");
  EXPECT_EQ(p.feed("box>").content, " <toolbox>");
  EXPECT_EQ(p.finish().content, "");
  EXPECT_FALSE(p.called_tools());
}

TEST(ToolCallStreaming, ParallelCallsOffKeepsTheFirstCall) {
  ChatOutputOptions o;
  o.tool_calls = ToolCallFormat::kLlama3Json;
  o.parallel_tool_calls = false;
  ChatOutputParser p(o);
  ParsedOutput m;
  m.add(p.feed("{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}"));
  m.add(p.finish());
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].name, "a");
  EXPECT_EQ(m.content, "");
}

TEST(ToolCallStreaming, ForcedPrefixIsReadBeforeTheOutputAndSkipsReasoning) {
  ChatOutputOptions o;
  o.tool_calls = ToolCallFormat::kHermes;
  o.reasoning = ReasoningFormat::kDeepSeekR1;  // would take everything as reasoning without the prefix
  o.forced_prefix = "<tool_call>\n";
  ChatOutputParser p(o);
  ParsedOutput m;
  m.add(p.feed("{\"name\": \"f\", \"arguments\": {\"a\": 1}}"));
  m.add(p.finish());
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].arguments, "{\"a\": 1}");
  EXPECT_EQ(m.content, "");
  EXPECT_EQ(m.reasoning, "");
}

TEST(ToolCallIds, OpenAiStyleAndMistralNineCharacters) {
  const std::string id = make_tool_call_id(ToolCallFormat::kHermes);
  ASSERT_EQ(id.size(), 5u + 24u);
  EXPECT_EQ(id.substr(0, 5), "call_");
  const std::string m = make_tool_call_id(ToolCallFormat::kMistral);
  ASSERT_EQ(m.size(), 9u);
  for (const char c : m) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << m;
  EXPECT_NE(make_tool_call_id(ToolCallFormat::kHermes), id);
}

TEST(ToolCallFormats, NamesAndDetectionFromTemplates) {
  EXPECT_EQ(tool_call_format_from_name("hermes"), ToolCallFormat::kHermes);
  EXPECT_EQ(tool_call_format_from_name("mistral"), ToolCallFormat::kMistral);
  EXPECT_EQ(tool_call_format_from_name("llama3_json"), ToolCallFormat::kLlama3Json);
  EXPECT_EQ(tool_call_format_from_name("pythonic"), std::nullopt);
  EXPECT_EQ(reasoning_format_from_name("qwen3"), ReasoningFormat::kQwen3);
  EXPECT_EQ(reasoning_format_from_name("deepseek_r1"), ReasoningFormat::kDeepSeekR1);
  EXPECT_EQ(reasoning_format_from_name("granite"), std::nullopt);
  EXPECT_EQ(detect_tool_call_format("{{- '<tool_call>\\n' }}{{ tools | tojson }}"), ToolCallFormat::kHermes);
  EXPECT_EQ(detect_tool_call_format("{{ '[TOOL_CALLS]' + calls }}"), ToolCallFormat::kMistral);
  EXPECT_EQ(detect_tool_call_format("{{ '<|python_tag|>' }}"), ToolCallFormat::kLlama3Json);
  EXPECT_EQ(detect_tool_call_format("{% if tools %}<|start_header_id|>{% endif %}"),
            ToolCallFormat::kLlama3Json);
  // Llama 3.0's template has the headers but renders no tools.
  EXPECT_EQ(detect_tool_call_format("{{ '<|start_header_id|>' + message['role'] }}"), std::nullopt);
}

}  // namespace
}  // namespace llmc::tools
