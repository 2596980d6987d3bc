// StreamRecorder: vLLM's chunk rules, and the failures it must never pass as successes.
#include "bench/llm_bench/stream_recorder.h"

#include <gtest/gtest.h>

#include "tests/unit/bench/stream_helpers.h"

namespace llmc::bench {
namespace {

using test::chat_chunk;
using test::completion_chunk;
using test::usage_chunk;

TEST(LlmBenchStreamRecorder, ChatCountsEveryChunkWithAChoiceAsVllmDoes) {
  StreamRecorder r(ApiKind::kChat, 10.0, 3, 2);
  r.on_message(chat_chunk({{"role", "assistant"}, {"content", ""}}),
               10.25);  // role chunk: vLLM's first chunk
  r.on_message(chat_chunk({{"content", "Hi"}}), 10.5);
  r.on_message(chat_chunk({{"content", " there"}}), 10.75);
  r.on_message(usage_chunk(30, 2), 11.5);  // no choice: neither a token nor the end of the timeline
  r.on_message("[DONE]", 11.5);
  const RequestOutput o = r.finish();
  ASSERT_TRUE(o.success) << o.error;
  EXPECT_DOUBLE_EQ(o.ttft, 0.25);
  ASSERT_EQ(o.itl.size(), 2u);
  EXPECT_DOUBLE_EQ(o.itl[0], 0.25);
  EXPECT_DOUBLE_EQ(o.latency, 0.75);
  EXPECT_EQ(o.generated_text, "Hi there");
  EXPECT_EQ(o.prompt_len, 30);
  EXPECT_EQ(o.output_tokens, 2);
}

TEST(LlmBenchStreamRecorder, ErrorEventFailsTheRequest) {
  StreamRecorder r(ApiKind::kCompletions, 0, 3, 4);
  r.on_message(completion_chunk("a"), 0.1);
  r.on_message(R"({"error": {"message": "the engine failed while generating: rank 1 died", "code": 503}})",
               0.2);
  r.on_message("[DONE]", 0.2);
  const RequestOutput o = r.finish();
  EXPECT_FALSE(o.success);
  EXPECT_NE(o.error.find("rank 1 died"), std::string::npos) << o.error;
  EXPECT_EQ(o.latency, 0.0);
  EXPECT_TRUE(o.itl.empty());
}

TEST(LlmBenchStreamRecorder, StreamCutBeforeDoneFails) {
  StreamRecorder r(ApiKind::kCompletions, 0, 3, 4);
  r.on_message(completion_chunk("a"), 0.1);
  const RequestOutput o = r.finish();
  EXPECT_FALSE(o.success);
  EXPECT_NE(o.error.find("[DONE]"), std::string::npos) << o.error;
}

TEST(LlmBenchStreamRecorder, NoChunkFails) {
  StreamRecorder r(ApiKind::kCompletions, 0, 3, 4);
  r.on_message(usage_chunk(3, 0), 0.1);
  r.on_message("[DONE]", 0.1);
  EXPECT_FALSE(r.finish().success);
}

TEST(LlmBenchStreamRecorder, GarbageFails) {
  StreamRecorder r(ApiKind::kCompletions, 0, 3, 4);
  r.on_message(completion_chunk("a"), 0.1);
  r.on_message("{not json", 0.2);
  r.on_message("[DONE]", 0.3);
  const RequestOutput o = r.finish();
  EXPECT_FALSE(o.success);
  EXPECT_NE(o.error.find("not JSON"), std::string::npos);
}

TEST(LlmBenchStreamRecorder, FirstFailureReasonWins) {
  StreamRecorder r(ApiKind::kCompletions, 0, 3, 4);
  r.fail("HTTP 400 Bad Request: max_tokens too large", 400);
  r.fail("later reason");
  const RequestOutput o = r.finish();
  EXPECT_EQ(o.http_status, 400);
  EXPECT_EQ(o.error, "HTTP 400 Bad Request: max_tokens too large");
}

}  // namespace
}  // namespace llmc::bench
