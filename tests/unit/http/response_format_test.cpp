// Response shapes: synthetic engine outputs in, OpenAI / vLLM / Vertex JSON out, checked field by field
// against hand-written expectations; streamed text must add up to the non-streamed text.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/head/http/response_builder.h"
#include "tests/unit/http/test_model.h"

namespace llmc::http_api {
namespace {

using nlohmann::json;

const Tokenizer& tokenizer() {
  static const ServedModel m = http_test::test_model();
  return *m.tokenizer;
}

GenerationJob make_job(ApiKind kind, size_t prompts, int32_t n, bool stream) {
  GenerationJob job;
  job.kind = kind;
  job.id = "id-1";
  job.created = 1700000000;
  job.model = "tiny";
  job.n = n;
  job.stream = stream;
  for (size_t i = 0; i < prompts; ++i) {
    GenerationRequest r;
    r.sampling.n = n;
    job.requests.push_back(r);
    job.prompt_texts.push_back("P" + std::to_string(i) + ":");
  }
  return job;
}

SequenceDelta delta(int32_t index, std::vector<int32_t> ids, std::string text,
                    FinishReason finish = FinishReason::kNone) {
  SequenceDelta d;
  d.index = index;
  d.token_ids = std::move(ids);
  d.text = std::move(text);
  d.finish_reason = finish;
  return d;
}

RequestOutput output(std::vector<SequenceDelta> deltas, bool finished, int32_t prompt_tokens = 3,
                     int32_t cached = 0) {
  RequestOutput o;
  o.sequences = std::move(deltas);
  o.finished = finished;
  o.num_prompt_tokens = prompt_tokens;
  o.num_cached_prompt_tokens = cached;
  return o;
}

// The JSON payloads of an SSE stream, checking the framing; "[DONE]" must be last.
std::vector<json> parse_sse(const std::string& stream) {
  std::vector<json> events;
  size_t pos = 0;
  bool done = false;
  while (pos < stream.size()) {
    EXPECT_EQ(stream.compare(pos, 6, "data: "), 0) << "at " << pos << ": " << stream.substr(pos, 40);
    const size_t end = stream.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos);
    if (end == std::string::npos) break;
    const std::string payload = stream.substr(pos + 6, end - pos - 6);
    EXPECT_FALSE(done) << "event after [DONE]";
    if (payload == "[DONE]") {
      done = true;
    } else {
      events.push_back(json::parse(payload));
    }
    pos = end + 2;
  }
  EXPECT_TRUE(done) << "no [DONE]";
  return events;
}

TEST(CompletionResponse, NonStreamingBodyWithUsageAndStopReasons) {
  ResponseBuilder b(make_job(ApiKind::kCompletion, 2, 2, false), &tokenizer());
  b.add(0, output({delta(0, {1, 2}, "ab"), delta(1, {3}, "c")}, false, 3, 2));
  SequenceDelta stop_string = delta(0, {4}, "d", FinishReason::kStop);
  stop_string.stop_reason = std::string("STOP");
  SequenceDelta stop_token = delta(1, {5}, "", FinishReason::kStop);
  stop_token.stop_reason = 5;
  b.add(0, output({stop_string, stop_token}, true, 3, 2));
  EXPECT_FALSE(b.finished());
  b.add(1, output({delta(0, {6}, "x", FinishReason::kLength), delta(1, {7}, "y", FinishReason::kLength)},
                  true, 4));
  ASSERT_TRUE(b.finished());
  const HttpResponse r = b.final_response();
  EXPECT_EQ(r.status, 200);
  const json body = json::parse(r.body);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["id"], "id-1");
  EXPECT_EQ(body["model"], "tiny");
  ASSERT_EQ(body["choices"].size(), 4u);
  EXPECT_EQ(body["choices"][0], json({{"index", 0},
                                      {"text", "abd"},
                                      {"logprobs", nullptr},
                                      {"finish_reason", "stop"},
                                      {"stop_reason", "STOP"}}));
  EXPECT_EQ(body["choices"][1]["stop_reason"], 5);
  EXPECT_EQ(body["choices"][1]["text"], "c");
  EXPECT_EQ(body["choices"][2]["index"], 2);  // prompt 1, sequence 0
  EXPECT_EQ(body["choices"][3]["text"], "y");
  EXPECT_EQ(body["choices"][3]["finish_reason"], "length");
  EXPECT_TRUE(body["choices"][3]["stop_reason"].is_null());
  EXPECT_EQ(body["usage"], json({{"prompt_tokens", 7},
                                 {"completion_tokens", 7},
                                 {"total_tokens", 14},
                                 {"prompt_tokens_details", {{"cached_tokens", 2}}}}));
}

TEST(CompletionResponse, StreamedTextAddsUpAndUsageComesLast) {
  GenerationJob job = make_job(ApiKind::kCompletion, 1, 2, true);
  job.include_usage = true;
  ResponseBuilder b(job, &tokenizer());
  EXPECT_EQ(b.stream_head(), "");
  std::string stream;
  stream += b.add(0, output({delta(0, {1}, "He"), delta(1, {2}, "")}, false));
  stream += b.add(0, output({delta(0, {3}, "llo"), delta(1, {4}, "Yo")}, false));
  stream += b.add(
      0, output({delta(0, {5}, "", FinishReason::kLength), delta(1, {6}, "!", FinishReason::kStop)}, true));
  ASSERT_TRUE(b.finished());
  stream += b.stream_tail();
  const std::vector<json> events = parse_sse(stream);
  std::string text[2];
  json finish[2];
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const json& e = events[i];
    EXPECT_EQ(e["object"], "text_completion");
    EXPECT_TRUE(e.contains("usage") && e["usage"].is_null());
    ASSERT_EQ(e["choices"].size(), 1u);
    const int index = e["choices"][0]["index"];
    text[index] += e["choices"][0]["text"].get<std::string>();
    if (!e["choices"][0]["finish_reason"].is_null()) finish[index] = e["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(text[0], "Hello");
  EXPECT_EQ(text[1], "Yo!");
  EXPECT_EQ(finish[0], "length");
  EXPECT_EQ(finish[1], "stop");
  const json& last = events.back();
  EXPECT_TRUE(last["choices"].empty());
  EXPECT_EQ(last["usage"]["completion_tokens"], 6);
  EXPECT_EQ(last["usage"]["prompt_tokens"], 3);
}

TEST(CompletionResponse, EchoPrependsThePrompt) {
  GenerationJob job = make_job(ApiKind::kCompletion, 1, 1, false);
  job.echo = true;
  ResponseBuilder b(job, &tokenizer());
  b.add(0, output({delta(0, {1}, "x", FinishReason::kLength)}, true));
  EXPECT_EQ(json::parse(b.final_response().body)["choices"][0]["text"], "P0:x");
  job.stream = true;
  ResponseBuilder s(job, &tokenizer());
  std::string stream = s.add(0, output({delta(0, {1}, "")}, false));
  stream += s.add(0, output({delta(0, {2}, "x", FinishReason::kLength)}, true));
  stream += s.stream_tail();
  const std::vector<json> events = parse_sse(stream);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["choices"][0]["text"], "P0:");
}

TEST(CompletionResponse, LogprobsShapeOffsetsAndNoNonFiniteNumbers) {
  GenerationJob job = make_job(ApiKind::kCompletion, 1, 1, false);
  job.logprobs = 1;
  ResponseBuilder b(job, &tokenizer());
  SequenceDelta d = delta(0, {9906, 1917}, "Hello world", FinishReason::kLength);
  // 9906 = "Hello", 1917 = " world", 11 = ",", 0 = "!" in the Llama 3 vocabulary.
  d.logprobs = {{9906, -0.5f, {{11, -0.25f}}},
                {1917, -std::numeric_limits<float>::infinity(), {{0, std::nanf("")}}}};
  b.add(0, output({d}, true));
  const std::string text = b.final_response().body;
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("Infinity"), std::string::npos);
  const json lp = json::parse(text)["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"], json({"Hello", " world"}));
  EXPECT_EQ(lp["token_logprobs"], json({-0.5, -9999.0}));
  EXPECT_EQ(lp["text_offset"], json({0, 5}));
  EXPECT_EQ(lp["top_logprobs"][0], json({{",", -0.25}, {"Hello", -0.5}}));  // the sampled token is listed too
  EXPECT_TRUE(lp["top_logprobs"][1]["!"].is_null());
}

TEST(ChatResponse, StreamStartsWithTheRoleAndEndsWithFinishAndDone) {
  GenerationJob job = make_job(ApiKind::kChat, 1, 2, true);
  ResponseBuilder b(job, &tokenizer());
  std::string stream = b.stream_head();
  stream += b.add(0, output({delta(0, {1}, "Hi"), delta(1, {2}, "Yo")}, false));
  stream += b.add(
      0,
      output({delta(0, {3}, " there", FinishReason::kStop), delta(1, {4}, "", FinishReason::kLength)}, true));
  stream += b.stream_tail();
  const std::vector<json> events = parse_sse(stream);
  ASSERT_EQ(events.size(), 6u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(events[i]["object"], "chat.completion.chunk");
    EXPECT_EQ(events[i]["choices"][0]["index"], i);
    EXPECT_EQ(events[i]["choices"][0]["delta"], json({{"role", "assistant"}, {"content", ""}}));
    EXPECT_FALSE(events[i].contains("usage"));
  }
  EXPECT_EQ(events[2]["choices"][0]["delta"], json({{"content", "Hi"}}));
  EXPECT_EQ(events[4]["choices"][0]["delta"], json({{"content", " there"}}));
  EXPECT_EQ(events[4]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(events[5]["choices"][0]["delta"], json::object());  // nothing new, just the finish
  EXPECT_EQ(events[5]["choices"][0]["finish_reason"], "length");
}

TEST(ChatResponse, NonStreamingBodyWithEchoAndLogprobs) {
  GenerationJob job = make_job(ApiKind::kChat, 1, 1, false);
  job.echo_prefix = "Sure, ";
  job.logprobs = 1;
  ResponseBuilder b(job, &tokenizer());
  SequenceDelta d = delta(0, {9906}, "Hello", FinishReason::kStop);
  d.logprobs = {{9906, -0.5f, {{11, -1.0f}}}};
  b.add(0, output({d}, true, 10, 8));
  const json body = json::parse(b.final_response().body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"], json({{"role", "assistant"}, {"content", "Sure, Hello"}}));
  EXPECT_EQ(body["choices"][0]["logprobs"]["content"][0],
            json({{"token", "Hello"},
                  {"logprob", -0.5},
                  {"bytes", {72, 101, 108, 108, 111}},
                  {"top_logprobs", {{{"token", ","}, {"logprob", -1.0}, {"bytes", {44}}}}}}));
  EXPECT_EQ(body["usage"]["prompt_tokens_details"]["cached_tokens"], 8);
}

TEST(ErrorsAfterTheStart, EngineFailureBecomesAnErrorEventBeforeDone) {
  ResponseBuilder b(make_job(ApiKind::kChat, 1, 1, true), &tokenizer());
  std::string stream = b.stream_head();
  RequestOutput failed = output({delta(0, {}, "", FinishReason::kError)}, true);
  failed.error = "worker 2 died";
  stream += b.add(0, failed);
  stream += b.stream_tail();
  const std::vector<json> events = parse_sse(stream);
  ASSERT_GE(events.size(), 2u);
  const json& e = events.back();
  ASSERT_TRUE(e.contains("error"));
  EXPECT_NE(e["error"]["message"].get<std::string>().find("worker 2 died"), std::string::npos);
  EXPECT_EQ(e["error"]["type"], "server_error");

  ResponseBuilder n(make_job(ApiKind::kCompletion, 1, 1, false), &tokenizer());
  n.add(0, failed);
  const HttpResponse r = n.final_response();
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(json::parse(r.body).contains("error"));
}

TEST(GenerateResponse, PromptPlusTextAndCumulativeLines) {
  ResponseBuilder b(make_job(ApiKind::kGenerate, 1, 1, false), &tokenizer());
  b.add(0, output({delta(0, {1}, "ab", FinishReason::kLength)}, true));
  EXPECT_EQ(json::parse(b.final_response().body), json({{"text", {"P0:ab"}}}));
  ResponseBuilder s(make_job(ApiKind::kGenerate, 1, 1, true), &tokenizer());
  std::string lines = s.add(0, output({delta(0, {1}, "a")}, false));
  lines += s.add(0, output({delta(0, {2}, "b", FinishReason::kLength)}, true));
  lines += s.stream_tail();
  EXPECT_EQ(lines, "{\"text\":[\"P0:a\"]}\n{\"text\":[\"P0:ab\"]}\n");
}

TEST(PredictResponse, OnePredictionPerInstance) {
  GenerationJob job = make_job(ApiKind::kPredict, 2, 1, false);
  job.requests[1].sampling.n = 2;
  ResponseBuilder b(job, &tokenizer());
  b.add(0, output({delta(0, {1}, "a", FinishReason::kLength)}, true));
  b.add(1,
        output({delta(0, {1}, "b", FinishReason::kLength), delta(1, {2}, "c", FinishReason::kLength)}, true));
  EXPECT_EQ(json::parse(b.final_response().body), json({{"predictions", {"a", {"b", "c"}}}}));
}

TEST(Wire, InvalidUtf8IsReplacedNotThrown) {
  const std::string out = to_wire(json{{"m", std::string("a\xff")}});
  EXPECT_EQ(json::parse(out)["m"], "a\xEF\xBF\xBD");
  EXPECT_EQ(to_wire(json{{"x", std::nan("")}}), "{\"x\":null}");
}

}  // namespace
}  // namespace llmc::http_api
