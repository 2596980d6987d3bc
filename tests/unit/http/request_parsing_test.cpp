// Request parsing and validation of every API, against hand-derived expectations and the Hugging Face
// reference encodings in tests/data/tokenizers/llama3/expected.json.
#include <gtest/gtest.h>

#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"
#include "runtime/head/http/simple_endpoints.h"
#include "tests/unit/http/test_model.h"

namespace llmc::http_api {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const ServedModel& model() {
  static const ServedModel m = http_test::test_model();
  return m;
}

// Runs `f` and returns the ApiError it throws (fails the test when it throws nothing).
template <typename F>
ApiError error_of(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an ApiError";
  return ApiError(0, "", "");
}

GenerationJob completion(const json& body) { return parse_completion_request(body, model(), ""); }
GenerationJob chat(const json& body) {
  return parse_chat_request(body, ordered_json::parse(body.dump()), model(), "");
}

constexpr int32_t kBos = 128000;

TEST(CompletionRequest, StringPromptIsTokenizedWithBos) {
  const GenerationJob job = completion({{"model", "tiny"}, {"prompt", "Hello world"}});
  ASSERT_EQ(job.requests.size(), 1u);
  EXPECT_EQ(job.requests[0].prompt_token_ids, (std::vector<int32_t>{kBos, 9906, 1917}));
  EXPECT_EQ(job.requests[0].sampling.max_tokens, 16);  // the API's default
  EXPECT_EQ(job.prompt_texts[0], "Hello world");
  EXPECT_EQ(job.model, "tiny");
  EXPECT_EQ(job.id.rfind("cmpl-", 0), 0u);
  EXPECT_FALSE(job.stream);
}

TEST(CompletionRequest, EveryPromptShape) {
  const GenerationJob list = completion({{"prompt", {"Hello world", "Hello, world!"}}, {"n", 2}});
  ASSERT_EQ(list.requests.size(), 2u);
  EXPECT_EQ(list.requests[1].prompt_token_ids, (std::vector<int32_t>{kBos, 9906, 11, 1917, 0}));
  EXPECT_EQ(list.n, 2);
  const GenerationJob ids = completion({{"prompt", {9906, 1917}}});
  ASSERT_EQ(ids.requests.size(), 1u);
  EXPECT_EQ(ids.requests[0].prompt_token_ids, (std::vector<int32_t>{9906, 1917}));
  EXPECT_EQ(ids.prompt_texts[0], "Hello world");  // decoded for echo
  const GenerationJob lists = completion({{"prompt", {{9906}, {1917, 0}}}});
  ASSERT_EQ(lists.requests.size(), 2u);
  EXPECT_EQ(lists.requests[1].prompt_token_ids, (std::vector<int32_t>{1917, 0}));
  const GenerationJob no_bos = completion({{"prompt", "Hello world"}, {"add_special_tokens", false}});
  EXPECT_EQ(no_bos.requests[0].prompt_token_ids, (std::vector<int32_t>{9906, 1917}));
}

TEST(CompletionRequest, BadPromptsAre400) {
  for (const json& prompt : {json(), json(5), json::array(), json({"a", 1}), json({{1}, json::array()}),
                             json({1.5}), json({json::object()})}) {
    json body = {{"model", "tiny"}};
    if (!prompt.is_null()) body["prompt"] = prompt;
    const ApiError e = error_of([&] { completion(body); });
    EXPECT_EQ(e.status(), 400) << prompt.dump();
    EXPECT_EQ(e.param(), "prompt") << prompt.dump();
  }
}

TEST(CompletionRequest, SamplingFieldsReachTheEngineRequest) {
  const GenerationJob job = completion({{"prompt", "a"},
                                        {"max_tokens", 7},
                                        {"temperature", 0.5},
                                        {"top_p", 0.9},
                                        {"top_k", 5},
                                        {"min_p", 0.1},
                                        {"seed", 42},
                                        {"stop", "x"},
                                        {"stop_token_ids", {7, 8}},
                                        {"presence_penalty", 0.5},
                                        {"frequency_penalty", -0.5},
                                        {"repetition_penalty", 1.2},
                                        {"ignore_eos", true},
                                        {"min_tokens", 2},
                                        {"logprobs", 3},
                                        {"user", "someone"},
                                        {"priority", 0},
                                        {"skip_special_tokens", false},
                                        {"an_unknown_field", 1}});
  const SamplingParams& s = job.requests[0].sampling;
  EXPECT_EQ(s.max_tokens, 7);
  EXPECT_FLOAT_EQ(s.temperature, 0.5f);
  EXPECT_FLOAT_EQ(s.top_p, 0.9f);
  EXPECT_EQ(s.top_k, 5);
  EXPECT_FLOAT_EQ(s.min_p, 0.1f);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_TRUE(s.user_seeded);
  EXPECT_EQ(s.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(s.stop_token_ids, (std::vector<int32_t>{7, 8}));
  EXPECT_FLOAT_EQ(s.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(s.frequency_penalty, -0.5f);
  EXPECT_FLOAT_EQ(s.repetition_penalty, 1.2f);
  EXPECT_TRUE(s.ignore_eos);
  EXPECT_EQ(s.min_tokens, 2);
  EXPECT_EQ(s.logprobs, 3);
  EXPECT_EQ(job.logprobs, 3);
  EXPECT_FALSE(job.requests[0].skip_special_tokens);
}

TEST(CompletionRequest, WrongTypesAre400NamingTheField) {
  for (const char* field : {"temperature", "max_tokens", "n", "stream", "echo", "top_k", "seed", "stop"}) {
    json body = {{"prompt", "a"}, {field, json::object()}};
    const ApiError e = error_of([&] { completion(body); });
    EXPECT_EQ(e.status(), 400) << field;
    EXPECT_EQ(e.param(), field) << e.what();
  }
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"logprobs", true}}); }).param(), "logprobs");
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"n", 0}}); }).param(), "n");
}

TEST(CompletionRequest, ModelMustBeServed) {
  const ApiError e = error_of([] { completion({{"model", "gpt-4"}, {"prompt", "a"}}); });
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(e.code(), "model_not_found");
  EXPECT_EQ(completion({{"model", "tiny-alias"}, {"prompt", "a"}}).model, "tiny-alias");
  EXPECT_EQ(completion({{"prompt", "a"}}).model, "tiny");  // absent: the first served name
  EXPECT_EQ(error_of([] { completion({{"model", 3}, {"prompt", "a"}}); }).status(), 400);
}

TEST(CompletionRequest, ContextLengthIsChecked) {
  const ApiError e = error_of([] { completion({{"prompt", "Hello world"}, {"max_tokens", 510}}); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "context_length_exceeded");
  EXPECT_NE(std::string(e.what()).find("513 tokens (3 in the prompt, 510 in the completion)"),
            std::string::npos)
      << e.what();
  EXPECT_EQ(completion({{"prompt", "Hello world"}, {"max_tokens", 509}}).requests[0].sampling.max_tokens,
            509);
  // A prompt that leaves no room at all is refused even without max_tokens.
  const std::vector<int32_t> long_prompt(512, 9906);
  EXPECT_EQ(error_of([&] { completion({{"prompt", long_prompt}}); }).code(), "context_length_exceeded");
  // The default (16) shrinks to the room left.
  const std::vector<int32_t> near_full(500, 9906);
  EXPECT_EQ(completion({{"prompt", near_full}}).requests[0].sampling.max_tokens, 12);
}

TEST(CompletionRequest, StreamOptionsAndUnsupportedOptions) {
  const GenerationJob job =
      completion({{"prompt", "a"}, {"stream", true}, {"stream_options", {{"include_usage", true}}}});
  EXPECT_TRUE(job.stream);
  EXPECT_TRUE(job.include_usage);
  EXPECT_EQ(error_of([] {
              completion({{"prompt", "a"}, {"stream_options", {{"include_usage", true}}}});
            }).param(),
            "stream_options");
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"echo", true}, {"logprobs", 1}}); }).param(), "echo");
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"best_of", 3}}); }).param(), "best_of");
  EXPECT_EQ(error_of([] {
              completion({{"prompt", "a"}, {"logit_bias", {{"1", 5}}}});
            }).param(),
            "logit_bias");
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"suffix", "z"}}); }).param(), "suffix");
  EXPECT_EQ(completion({{"prompt", "a"}, {"best_of", 1}, {"logit_bias", json::object()}}).n, 1);
}

TEST(CompletionRequest, TruncatePromptKeepsTheLastTokens) {
  const GenerationJob job = completion({{"prompt", {1, 2, 3, 4, 5}}, {"truncate_prompt_tokens", 2}});
  EXPECT_EQ(job.requests[0].prompt_token_ids, (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"truncate_prompt_tokens", 0}}); }).status(), 400);
}

TEST(ChatRequest, RendersTheLlama3TemplateAndTokenizesWithoutExtraBos) {
  const GenerationJob job =
      chat({{"model", "tiny"}, {"messages", {{{"role", "user"}, {"content", "Hello world"}}}}});
  // The template, read by hand: BOS, the user header, the trimmed content, <|eot_id|>, the assistant header.
  EXPECT_EQ(job.prompt_texts[0],
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello world<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  const std::vector<int32_t>& ids = job.requests[0].prompt_token_ids;
  ASSERT_GT(ids.size(), 4u);
  EXPECT_EQ(ids[0], kBos);
  EXPECT_NE(ids[1], kBos);  // add_special_tokens defaults to false for chat
  EXPECT_EQ(job.id.rfind("chatcmpl-", 0), 0u);
  // No max_tokens: whatever room the context leaves.
  EXPECT_EQ(job.requests[0].sampling.max_tokens, 512 - static_cast<int32_t>(ids.size()));
}

TEST(ChatRequest, ContentPartsAreJoinedAndOnlyTextIsAccepted) {
  const json parts = {{{"type", "text"}, {"text", "Hello"}}, {{"type", "text"}, {"text", "world"}}};
  const GenerationJob job = chat({{"messages", {{{"role", "user"}, {"content", parts}}}}});
  EXPECT_NE(job.prompt_texts[0].find("Hello\nworld<|eot_id|>"), std::string::npos);
  const json image = {{{"type", "image_url"}, {"image_url", {{"url", "http://x"}}}}};
  EXPECT_EQ(error_of([&] { chat({{"messages", {{{"role", "user"}, {"content", image}}}}}); }).status(), 400);
}

TEST(ChatRequest, BadMessagesAre400) {
  for (const json& messages : {json(), json::array(), json("hi"), json({1}), json({{{"content", "x"}}}),
                               json({{{"role", 5}, {"content", "x"}}})}) {
    json body = json::object();
    if (!messages.is_null()) body["messages"] = messages;
    const ApiError e = error_of([&] { chat(body); });
    EXPECT_EQ(e.status(), 400) << messages.dump();
    EXPECT_EQ(e.param(), "messages") << messages.dump();
  }
}

TEST(ChatRequest, LogprobsFormatAndChecks) {
  const json messages = {{{"role", "user"}, {"content", "x"}}};
  EXPECT_EQ(chat({{"messages", messages}, {"logprobs", true}, {"top_logprobs", 3}}).logprobs, 3);
  EXPECT_EQ(chat({{"messages", messages}, {"logprobs", true}}).logprobs, 0);
  EXPECT_EQ(chat({{"messages", messages}}).logprobs, -1);
  EXPECT_EQ(error_of([&] { chat({{"messages", messages}, {"top_logprobs", 2}}); }).param(), "top_logprobs");
  EXPECT_EQ(error_of([&] { chat({{"messages", messages}, {"logprobs", 2}}); }).param(), "logprobs");
  EXPECT_EQ(chat({{"messages", messages}, {"max_completion_tokens", 5}}).requests[0].sampling.max_tokens, 5);
}

TEST(ChatRequest, ContinueFinalMessageAndEcho) {
  const json messages = {{{"role", "user"}, {"content", "Hi"}},
                         {{"role", "assistant"}, {"content", "Sure, "}}};
  const GenerationJob job = chat({{"messages", messages}, {"continue_final_message", true}, {"echo", true}});
  EXPECT_EQ(job.prompt_texts[0].substr(job.prompt_texts[0].size() - 5), "Sure,");  // cut after the content
  EXPECT_EQ(job.echo_prefix, "Sure, ");
  EXPECT_EQ(
      error_of([&] {
        chat({{"messages", messages}, {"continue_final_message", true}, {"add_generation_prompt", true}});
      }).param(),
      "continue_final_message");
}

TEST(ChatRequest, TemplateRaiseExceptionIs400) {
  ServedModel m = http_test::test_model();
  m.chat_template = std::make_shared<ChatTemplate>(
      ChatTemplate::parse("{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not "
                          "supported') }}{% endif %}ok"));
  const json body = {{"messages", {{{"role", "system"}, {"content", "x"}}}}};
  const ApiError e = error_of([&] { parse_chat_request(body, ordered_json::parse(body.dump()), m, ""); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_NE(std::string(e.what()).find("System role not supported"), std::string::npos) << e.what();
  m.chat_template.reset();
  EXPECT_EQ(error_of([&] { parse_chat_request(body, ordered_json::parse(body.dump()), m, ""); }).status(),
            400);
}

TEST(GenerateAndPredict, Shapes) {
  const GenerationJob g = parse_generate_request({{"prompt", "Hello world"}, {"max_tokens", 3}}, model());
  EXPECT_EQ(g.requests[0].prompt_token_ids, (std::vector<int32_t>{kBos, 9906, 1917}));
  EXPECT_EQ(g.requests[0].sampling.max_tokens, 3);
  EXPECT_EQ(error_of([] { parse_generate_request({{"max_tokens", 3}}, model()); }).param(), "prompt");

  const json body = {{"instances", {"Hello world", {{"prompt", "Hello, world!"}, {"max_tokens", 2}}}},
                     {"parameters", {{"max_tokens", 5}, {"temperature", 0}}}};
  const GenerationJob p = parse_predict_request(body, model());
  ASSERT_EQ(p.requests.size(), 2u);
  EXPECT_EQ(p.requests[0].sampling.max_tokens, 5);
  EXPECT_EQ(p.requests[1].sampling.max_tokens, 2);  // the instance wins over "parameters"
  EXPECT_FLOAT_EQ(p.requests[1].sampling.temperature, 0.0f);
  EXPECT_EQ(p.requests[1].prompt_token_ids, (std::vector<int32_t>{kBos, 9906, 11, 1917, 0}));
  const GenerationJob c = parse_predict_request(
      {{"instances", {{{"messages", {{{"role", "user"}, {"content", "x"}}}}}}}}, model());
  EXPECT_NE(c.prompt_texts[0].find("<|start_header_id|>assistant"), std::string::npos);
  EXPECT_EQ(error_of([] {
              parse_predict_request({{"instances", json::array()}}, model());
            }).param(),
            "instances");
  const ApiError e = error_of([] { parse_predict_request({{"instances", {"ok", 5}}}, model()); });
  EXPECT_NE(std::string(e.what()).find("instances[1]"), std::string::npos) << e.what();
}

TEST(TokenizeEndpoints, TokenizeAndDetokenize) {
  const json t = tokenize_body({{"prompt", "Hello world"}}, ordered_json::object(), model());
  EXPECT_EQ(t["tokens"], json({kBos, 9906, 1917}));
  EXPECT_EQ(t["count"], 3);
  EXPECT_EQ(t["max_model_len"], 512);
  EXPECT_TRUE(t["token_strs"].is_null());
  const json s =
      tokenize_body({{"prompt", "Hello world"}, {"add_special_tokens", false}, {"return_token_strs", true}},
                    ordered_json::object(), model());
  EXPECT_EQ(s["token_strs"], json({"Hello", "\xC4\xA0world"}));  // byte-level BPE spells the space as U+0120
  EXPECT_EQ(detokenize_body({{"tokens", {9906, 11, 1917, 0}}}, model())["prompt"], "Hello, world!");
  EXPECT_EQ(error_of([] { detokenize_body({{"tokens", {-1}}}, model()); }).status(), 400);
  EXPECT_EQ(error_of([] { detokenize_body({{"tokens", "x"}}, model()); }).status(), 400);
  EXPECT_EQ(error_of([] { tokenize_body({{"nothing", 1}}, ordered_json::object(), model()); }).status(), 400);
  EXPECT_EQ(error_of([] {
              tokenize_body({{"model", "other"}, {"prompt", "x"}}, ordered_json::object(), model());
            }).status(),
            404);
}

TEST(JsonBody, MalformedOrNotAnObjectIs400) {
  EXPECT_EQ(error_of([] { parse_json_object("{\"prompt\": "); }).status(), 400);
  EXPECT_EQ(error_of([] { parse_json_object("[1, 2]"); }).status(), 400);
  EXPECT_EQ(error_of([] { parse_json_object("{\"a\": \"\xff\"}"); }).status(), 400);  // invalid UTF-8
  EXPECT_EQ(error_of([] { parse_json_object("{\"a\": NaN}"); }).status(), 400);
}

TEST(JsonBody, NumbersBeyondADoubleAre400NamingTheField) {
  for (const char* field : {"temperature", "max_tokens", "seed", "an_unknown_field"}) {
    const ApiError e =
        error_of([&] { parse_json_object(std::string("{\"prompt\": \"a\", \"") + field + "\": 1e999}"); });
    EXPECT_EQ(e.status(), 400) << field;
    EXPECT_EQ(e.param(), field) << e.what();
  }
  EXPECT_EQ(error_of([] { parse_json_object(R"({"stop_token_ids": [1, -1e400]})"); }).param(),
            "stop_token_ids");
}

// Every integer field past 32 bits is refused naming it, in both APIs, rather than wrapped (4294967297 used
// to generate 1 token; 2147483648 used to be reported as -2147483648).
TEST(RequestLimits, IntegersPast32BitsAreRefusedInEveryApi) {
  const json messages = {{{"role", "user"}, {"content", "x"}}};
  for (const char* field : {"max_tokens", "min_tokens", "top_k", "n", "priority", "truncate_prompt_tokens"}) {
    for (const int64_t v : {2147483648LL, 4294967297LL}) {
      const ApiError c = error_of([&] { completion({{"prompt", "a"}, {field, v}}); });
      EXPECT_EQ(c.status(), 400) << field;
      EXPECT_EQ(c.param(), field) << c.what();
      EXPECT_EQ(std::string(c.what()).find("-2147483648]"), std::string::npos) << c.what();
      EXPECT_NE(std::string(c.what()).find("got " + std::to_string(v)), std::string::npos) << c.what();
      EXPECT_EQ(error_of([&] { chat({{"messages", messages}, {field, v}}); }).param(), field);
    }
  }
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"logprobs", 4294967297LL}}); }).param(), "logprobs");
  EXPECT_EQ(error_of([&] {
              chat({{"messages", messages}, {"logprobs", true}, {"top_logprobs", 4294967297LL}});
            }).param(),
            "top_logprobs");
  EXPECT_EQ(error_of([] {
              completion({{"prompt", "a"}, {"seed", json::parse("9223372036854775808")}});
            }).param(),
            "seed");
  EXPECT_EQ(error_of([] {
              completion({{"prompt", "a"}, {"stop_token_ids", {4294967297LL}}});
            }).param(),
            "stop_token_ids");
  EXPECT_EQ(error_of([] { completion({{"prompt", {1, 4294967297LL}}}); }).param(), "prompt");
  EXPECT_EQ(error_of([] { detokenize_body({{"tokens", {4294967297LL}}}, model()); }).param(), "tokens");
  EXPECT_EQ(error_of([] {
              parse_generate_request({{"prompt", "a"}, {"max_tokens", 4294967297LL}}, model());
            }).param(),
            "max_tokens");
  const ApiError p = error_of([] {
    parse_predict_request({{"instances", {"a"}}, {"parameters", {{"top_k", 4294967297LL}}}}, model());
  });
  EXPECT_EQ(p.param(), "top_k") << p.what();
  // The largest 32-bit values are in range: max_tokens then meets the context check, top_k is just large.
  EXPECT_EQ(error_of([] {
              completion({{"prompt", "a"}, {"max_tokens", 2147483647}});
            }).code(),
            "context_length_exceeded");
  EXPECT_EQ(completion({{"prompt", "a"}, {"top_k", 2147483647}}).requests[0].sampling.top_k, 2147483647);
}

TEST(RequestLimits, FloatFieldsAreCheckedBeforeNarrowing) {
  // 1e300 would become +inf as a float and pass a ">= 0" check on the float.
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"temperature", 1e300}}); }).param(), "temperature");
  EXPECT_EQ(error_of([] {
              completion({{"prompt", "a"}, {"repetition_penalty", 1e300}});
            }).param(),
            "repetition_penalty");
  EXPECT_EQ(error_of([] { completion({{"prompt", "a"}, {"top_p", 0}}); }).param(), "top_p");
}

}  // namespace
}  // namespace llmc::http_api
