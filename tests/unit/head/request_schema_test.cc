// The request field table and the one JSON number conversion (runtime/head/request_schema.h, request_json.h):
// every numeric field's limits at and one past each end, numbers JSON cannot hold as a double, and the
// guards that make a field missing from the table, or a narrowing read, a loud bug. The expected ranges are
// written out here from the API's documentation (OpenAI, vLLM), not read back from the table.
#include "runtime/head/request_schema.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <set>
#include <sstream>

#include "runtime/head/offline_generation.h"
#include "runtime/head/sampling_json.h"

namespace llmc {
namespace {

using nlohmann::json;

// The FieldError that checking {field: value} at `endpoint` throws; fails the test when none is thrown.
FieldError refusal(const std::string& field, const json& value, Endpoint endpoint = Endpoint::kCompletions) {
  const json body = {{field, value}};
  try {
    CheckedBody checked(body, endpoint);
  } catch (const FieldError& e) {
    return e;
  }
  ADD_FAILURE() << field << " = " << value.dump() << " was accepted";
  return FieldError("", "");
}

bool accepted(const std::string& field, const json& value, Endpoint endpoint = Endpoint::kCompletions) {
  const json body = {{field, value}};
  try {
    CheckedBody checked(body, endpoint);
    return true;
  } catch (const FieldError& e) {
    ADD_FAILURE() << field << " = " << value.dump() << " refused: " << e.what();
    return false;
  }
}

struct IntegerLimit {
  const char* field;
  Endpoint endpoint;
  int64_t lo, hi;
};

constexpr int64_t kI32Max = 2147483647;
const IntegerLimit kIntegerLimits[] = {
    {"max_tokens", Endpoint::kCompletions, 1, kI32Max},
    {"max_tokens", Endpoint::kChat, 1, kI32Max},
    {"max_completion_tokens", Endpoint::kChat, 1, kI32Max},
    {"min_tokens", Endpoint::kCompletions, 0, kI32Max},
    {"top_k", Endpoint::kCompletions, -1, kI32Max},
    {"top_k", Endpoint::kChat, -1, kI32Max},
    {"logprobs", Endpoint::kCompletions, 0, kI32Max},
    {"logprobs", Endpoint::kGenerate, 0, kI32Max},
    {"top_logprobs", Endpoint::kChat, 0, kI32Max},
    {"n", Endpoint::kCompletions, 1, 1024},
    {"n", Endpoint::kChat, 1, 1024},
    {"best_of", Endpoint::kCompletions, 1, 1024},
    {"priority", Endpoint::kChat, -2147483648LL, kI32Max},
    {"truncate_prompt_tokens", Endpoint::kCompletions, 1, kI32Max},
    {"max_tokens", Endpoint::kOffline, 1, kI32Max},
    {"top_k", Endpoint::kPredict, -1, kI32Max},
};

TEST(RequestSchema, IntegerFieldsAcceptTheirRangeAndRefuseOnePastEitherEnd) {
  for (const IntegerLimit& l : kIntegerLimits) {
    SCOPED_TRACE(std::string(l.field) + " at " + endpoint_name(l.endpoint));
    EXPECT_TRUE(accepted(l.field, l.lo, l.endpoint));
    EXPECT_TRUE(accepted(l.field, l.hi, l.endpoint));
    for (const json& bad : {json(l.lo - 1), json(l.hi + 1), json(4294967297LL), json(-4294967297LL)}) {
      const FieldError e = refusal(l.field, bad, l.endpoint);
      EXPECT_EQ(e.field(), l.field);
      const std::string range = "[" + std::to_string(l.lo) + ", " + std::to_string(l.hi) + "]";
      EXPECT_NE(std::string(e.what()).find(range), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("got " + bad.dump()), std::string::npos) << e.what();
    }
  }
}

TEST(RequestSchema, ThirtyTwoBitOverflowIsRefusedNotWrapped) {
  // The values the issue found wrapping: 2^32 + 1 read as 1, 2^31 read as -2^31.
  EXPECT_NE(std::string(refusal("max_tokens", 2147483648LL).what()).find("got 2147483648"),
            std::string::npos);
  EXPECT_EQ(refusal("max_tokens", 4294967297LL).field(), "max_tokens");
  for (const char* f : {"top_k", "top_logprobs", "min_tokens", "n", "priority"})
    EXPECT_EQ(refusal(f, 4294967297LL, Endpoint::kChat).field(), f);
  // Beyond int64 the value is refused by its range too, whatever representation the parser chose.
  EXPECT_EQ(refusal("max_tokens", json::parse("18446744073709551615")).field(), "max_tokens");
  EXPECT_EQ(refusal("max_tokens", json::parse("18446744073709551616")).field(), "max_tokens");  // a double
  EXPECT_EQ(refusal("max_tokens", 1e300).field(), "max_tokens");
}

TEST(RequestSchema, SeedTakesExactlyTheInt64Range) {
  EXPECT_TRUE(accepted("seed", json::parse("9223372036854775807")));
  EXPECT_TRUE(accepted("seed", json::parse("-9223372036854775808")));
  EXPECT_EQ(refusal("seed", json::parse("9223372036854775808")).field(), "seed");   // uint64 in the parser
  EXPECT_EQ(refusal("seed", json::parse("-9223372036854775809")).field(), "seed");  // a double
  EXPECT_EQ(refusal("seed", 9.3e18).field(), "seed");
  const json body = {{"seed", -1}};
  EXPECT_EQ(read_sampling_params(CheckedBody(body, Endpoint::kChat), {}).seed, UINT64_MAX);
}

TEST(RequestSchema, IntegralFloatsAreIntegersOthersAreNot) {
  const json body = {{"max_tokens", 5.0}, {"top_k", 1e3}};
  const SamplingParams p = read_sampling_params(CheckedBody(body, Endpoint::kCompletions), {});
  EXPECT_EQ(p.max_tokens, 5);
  EXPECT_EQ(p.top_k, 1000);
  for (const json& bad : {json(5.5), json(true), json("5"), json::array()}) {
    const FieldError e = refusal("max_tokens", bad);
    EXPECT_NE(std::string(e.what()).find("must be an integer"), std::string::npos) << e.what();
  }
}

struct NumberLimit {
  const char* field;
  std::vector<double> good, bad;
};

TEST(RequestSchema, NumberFieldsCheckTheirRealRangeBeforeNarrowingToFloat) {
  const NumberLimit limits[] = {
      {"temperature", {0, 2, 3e38}, {-1e-9, 3.5e38, 1e300}},  // float's largest is about 3.4e38
      {"top_p", {1e-9, 1}, {0, -0.5, 1.0000001}},
      {"min_p", {0, 1}, {-1e-9, 1.0000001}},
      {"repetition_penalty", {1e-9, 1, 3e38}, {0, -1, 1e39}},
      {"presence_penalty", {-2, 2}, {-2.0000001, 2.0000001}},
      {"frequency_penalty", {-2, 0, 2}, {-3, 3}},
  };
  for (const NumberLimit& l : limits) {
    for (const double v : l.good) EXPECT_TRUE(accepted(l.field, v, Endpoint::kChat)) << l.field << " " << v;
    for (const double v : l.bad) {
      const FieldError e = refusal(l.field, v, Endpoint::kChat);
      EXPECT_EQ(e.field(), l.field);
      EXPECT_NE(std::string(e.what()).find("must be a number in"), std::string::npos) << e.what();
    }
    EXPECT_EQ(refusal(l.field, "1", Endpoint::kChat).field(), l.field);
  }
  EXPECT_NE(std::string(refusal("top_p", 0).what()).find("(0, 1]"), std::string::npos);
}

TEST(RequestSchema, TokenIdListsHoldNonNegative32BitIntegers) {
  EXPECT_TRUE(accepted("stop_token_ids", json({0, 2147483647})));
  for (const json& bad : {json({4294967297LL}), json({-1}), json({1, 2.5}), json({"a"}), json(7)}) {
    const FieldError e = refusal("stop_token_ids", bad);
    EXPECT_EQ(e.field(), "stop_token_ids") << bad.dump();
  }
  const FieldError e = refusal("tokens", json({1, 2, 2147483648LL}), Endpoint::kDetokenize);
  EXPECT_NE(std::string(e.what()).find("'tokens'[2]"), std::string::npos) << e.what();
}

TEST(RequestSchema, NumbersBeyondADoubleAre400NamingTheField) {
  auto field_of = [](const std::string& text) {
    try {
      parse_request_json(text);
    } catch (const FieldError& e) {
      return std::make_pair(e.field(), std::string(e.what()));
    }
    ADD_FAILURE() << text << " parsed";
    return std::make_pair(std::string(), std::string());
  };
  EXPECT_EQ(field_of(R"({"prompt": "x", "temperature": 1e999})").first, "temperature");
  EXPECT_EQ(field_of(R"({"max_tokens": -1e999})").first, "max_tokens");
  // Nested and after nested containers: the top-level field is named, the message shows the path.
  const auto nested = field_of(R"({"messages": [{"role": "user"}], "logit_bias": {"5": 1e400}})");
  EXPECT_EQ(nested.first, "logit_bias");
  EXPECT_NE(nested.second.find("'logit_bias.5'"), std::string::npos) << nested.second;
  EXPECT_EQ(field_of(R"({"a": {"b": [1, {"c": 2}]}, "stop_token_ids": [1, 1e999]})").first, "stop_token_ids");
  EXPECT_EQ(field_of(R"({"an_unknown_field": [[1e999]]})").first, "an_unknown_field");
  // Syntax errors name no field.
  const auto syntax = field_of(R"({"prompt": )");
  EXPECT_EQ(syntax.first, "");
  EXPECT_NE(syntax.second.find("invalid JSON"), std::string::npos);
  EXPECT_DOUBLE_EQ(parse_request_json(R"({"temperature": 1e-999})")["temperature"].get<double>(), 0.0);
}

TEST(RequestSchema, RefusedFeaturesUnlessTheyAskForNothing) {
  EXPECT_EQ(refusal("use_beam_search", true).field(), "use_beam_search");
  EXPECT_TRUE(accepted("use_beam_search", false));
  EXPECT_EQ(refusal("logit_bias", json({{"1", 5}})).field(), "logit_bias");
  EXPECT_TRUE(accepted("logit_bias", json::object()));
  EXPECT_TRUE(accepted("response_format", json({{"type", "text"}}), Endpoint::kChat));
  EXPECT_EQ(refusal("response_format", json({{"type", "json_object"}}), Endpoint::kChat).field(),
            "response_format");
  for (const char* f : {"guided_json", "guided_regex", "guided_choice", "guided_grammar",
                        "structured_outputs", "prompt_logprobs"})
    EXPECT_EQ(refusal(f, "x", Endpoint::kChat).field(), f);
}

TEST(RequestSchema, ReadingOutsideTheTableOrNarrowingIsABug) {
  const json body = {{"seed", 1}, {"temperature", 0.5}};
  const CheckedBody checked(body, Endpoint::kCompletions);
  EXPECT_THROW(checked.get<int32_t>("not_in_the_table"), std::logic_error);
  EXPECT_THROW(checked.has("not_in_the_table"), std::logic_error);
  EXPECT_THROW(checked.get<int32_t>("seed"), std::logic_error);  // int64 range into int32
  EXPECT_THROW(checked.get<bool>("temperature"), std::logic_error);
  EXPECT_THROW(checked.get<int32_t>("top_logprobs"), std::logic_error);  // a chat field
  EXPECT_EQ(*checked.get<int64_t>("seed"), 1);
  EXPECT_FLOAT_EQ(*checked.get<float>("temperature"), 0.5f);
}

TEST(RequestSchema, TableRowsAreWellFormedAndCoverEveryFieldTheApisKnew) {
  std::set<std::pair<std::string, int>> seen;
  for (const FieldSpec& s : request_field_table()) {
    EXPECT_NE(s.endpoints, 0) << s.name;
    EXPECT_LE(s.int_min, s.int_max) << s.name;
    EXPECT_LE(s.min, s.max) << s.name;
    for (int e = 0; e <= static_cast<int>(Endpoint::kOffline); ++e) {
      if ((s.endpoints & endpoint_bit(static_cast<Endpoint>(e))) == 0) continue;
      EXPECT_TRUE(seen.insert({std::string(s.name), e}).second) << s.name << " twice at endpoint " << e;
    }
  }
  // The lists chat and completions each kept before the table (reference data): all still known.
  for (const char* f : {"model",
                        "prompt",
                        "max_tokens",
                        "temperature",
                        "top_p",
                        "top_k",
                        "min_p",
                        "seed",
                        "n",
                        "stop",
                        "stop_token_ids",
                        "presence_penalty",
                        "frequency_penalty",
                        "repetition_penalty",
                        "ignore_eos",
                        "min_tokens",
                        "logprobs",
                        "echo",
                        "stream",
                        "stream_options",
                        "user",
                        "best_of",
                        "use_beam_search",
                        "logit_bias",
                        "suffix",
                        "skip_special_tokens",
                        "spaces_between_special_tokens",
                        "include_stop_str_in_output",
                        "add_special_tokens",
                        "truncate_prompt_tokens",
                        "priority",
                        "response_format",
                        "prompt_logprobs",
                        "max_completion_tokens",
                        "length_penalty"})
    EXPECT_NE(find_field(f, Endpoint::kCompletions), nullptr) << f;
  for (const char* f : {"messages", "top_logprobs", "add_generation_prompt", "continue_final_message",
                        "chat_template_kwargs", "tools", "tool_choice", "parallel_tool_calls", "documents",
                        "service_tier", "store", "metadata", "max_tokens", "logprobs", "user", "echo"})
    EXPECT_NE(find_field(f, Endpoint::kChat), nullptr) << f;
}

TEST(OfflineRequests, LinesGoThroughTheSameTable) {
  auto error_of = [](const std::string& text) {
    std::istringstream in(text);
    try {
      parse_offline_requests(in, "in.jsonl", {}, nullptr);
    } catch (const SubmitError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("{\"prompt_token_ids\": [1], \"max_tokens\": 4294967297}")
                .find("in.jsonl line 1: 'max_tokens'"),
            std::string::npos);
  EXPECT_NE(error_of("\n{\"prompt_token_ids\": [1], \"temperature\": 1e999}").find("line 2: 'temperature'"),
            std::string::npos);
  EXPECT_NE(error_of("{\"prompt_token_ids\": [4294967297]}").find("'prompt_token_ids'[0]"),
            std::string::npos);
  std::istringstream ok(
      "{\"prompt_token_ids\": [1, 2], \"max_tokens\": 3, \"logprobs\": true, \"top_logprobs\": 2}");
  const auto requests = parse_offline_requests(ok, "in.jsonl", {}, nullptr);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request.sampling.max_tokens, 3);
  EXPECT_EQ(requests[0].request.sampling.logprobs, 2);
}

}  // namespace
}  // namespace llmc
