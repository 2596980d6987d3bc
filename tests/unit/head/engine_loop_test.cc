// EngineLoop end to end against a fake executor whose "model" emits scripted tokens: output assembly, stop
// strings, EOS / stop ids, min_tokens, UTF-8 split across tokens, n > 1, abort and preemption.
#include <gtest/gtest.h>

#include "tests/unit/head/engine_test_util.h"
#include "tests/unit/head/scheduler_harness.h"

namespace llmc::test {
namespace {

using StopReason = std::variant<std::monostate, int32_t, std::string>;
const std::vector<int32_t> kPrompt{20, 21, 22};  // "abc"

TEST_F(EngineTest, StreamsOneTokenPerStepWithTextAndCounts) {
  make(config(), 32, scripted(3, {{1, letters("hello")}}));
  GenerationRequest r = request(kPrompt, 5);
  r.sampling.logprobs = 2;
  ASSERT_EQ(submit(r), 1u);
  run_until_idle();
  Seen& s = seen(1);
  ASSERT_EQ(s.outputs.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(s.outputs[i].sequences.size(), 1u);
    EXPECT_EQ(s.outputs[i].sequences[0].token_ids.size(), 1u);
    EXPECT_EQ(s.outputs[i].sequences[0].text, std::string(1, "hello"[i]));
    EXPECT_EQ(s.outputs[i].sequences[0].num_output_tokens, static_cast<int32_t>(i + 1));
    EXPECT_EQ(s.outputs[i].num_prompt_tokens, 3);
    EXPECT_EQ(s.outputs[i].finished, i == 4);
  }
  EXPECT_EQ(s.tokens[0], letters("hello"));
  EXPECT_EQ(s.finish[0], FinishReason::kLength);
  EXPECT_EQ(s.stop_reason[0], StopReason{});
  EXPECT_EQ(s.num_logprobs[0], 5u);
  EXPECT_EQ(s.outputs[4].sequences[0].logprobs[0].top.size(), 2u);
}

TEST_F(EngineTest, StopStringAcrossTokensNeverLeaksAndIsTrimmed) {
  make(config(), 32, scripted(3, {{1, {letter('a'), kToySt, kToyOp, letter('b')}},
                                   {2, {letter('a'), kToySt, kToyOp, letter('b')}},
                                   {3, {kToySt, kToyArt, letter('b')}}}));
  GenerationRequest r = request(kPrompt, 10);
  r.sampling.stop = {"STOP"};
  submit(r);
  r.sampling.include_stop_str_in_output = true;
  submit(r);
  r.sampling.include_stop_str_in_output = false;
  r.sampling.max_tokens = 3;
  submit(r);
  run_until_idle();

  Seen& s1 = seen(1);
  ASSERT_EQ(s1.outputs.size(), 3u);
  EXPECT_EQ(s1.outputs[0].sequences[0].text, "a");
  EXPECT_EQ(s1.outputs[1].sequences[0].text, "") << "'ST' is held back: it may start 'STOP'";
  EXPECT_EQ(s1.outputs[2].sequences[0].text, "");
  EXPECT_EQ(s1.text[0], "a");
  EXPECT_EQ(s1.tokens[0], (std::vector<int32_t>{letter('a'), kToySt, kToyOp}));
  EXPECT_EQ(s1.finish[0], FinishReason::kStop);
  EXPECT_EQ(s1.stop_reason[0], StopReason{std::string("STOP")});

  EXPECT_EQ(seen(2).text[0], "aSTOP");
  EXPECT_EQ(seen(2).finish[0], FinishReason::kStop);

  Seen& s3 = seen(3);
  EXPECT_EQ(s3.outputs[0].sequences[0].text, "");
  EXPECT_EQ(s3.outputs[1].sequences[0].text, "START") << "released once it can no longer be 'STOP'";
  EXPECT_EQ(s3.text[0], "STARTb");
  EXPECT_EQ(s3.finish[0], FinishReason::kLength);
}

TEST_F(EngineTest, EosStopTokenIdsAndIgnoreEos) {
  const std::vector<int32_t> script{letter('a'), letter('b'), kToyEos, letter('c'), kToySpace, letter('d')};
  make(config(), 32, scripted(3, {{1, script}, {2, script}, {3, script}}));
  submit(request(kPrompt, 6));
  GenerationRequest ignore = request(kPrompt, 4);
  ignore.sampling.ignore_eos = true;
  submit(ignore);
  GenerationRequest stop_ids = request(kPrompt, 6);
  stop_ids.sampling.ignore_eos = true;
  stop_ids.sampling.stop_token_ids = {kToySpace};
  submit(stop_ids);
  run_until_idle();

  EXPECT_EQ(seen(1).tokens[0], (std::vector<int32_t>{letter('a'), letter('b'), kToyEos}));
  EXPECT_EQ(seen(1).text[0], "ab");
  EXPECT_EQ(seen(1).finish[0], FinishReason::kStop);
  EXPECT_EQ(seen(1).stop_reason[0], StopReason{}) << "EOS has no stop_reason (as vLLM)";

  EXPECT_EQ(seen(2).tokens[0].size(), 4u);
  EXPECT_EQ(seen(2).text[0], "abc") << "EOS is a special token: skipped in text";
  EXPECT_EQ(seen(2).finish[0], FinishReason::kLength);

  EXPECT_EQ(seen(3).tokens[0].size(), 5u);
  EXPECT_EQ(seen(3).text[0], "abc") << "the stop token's own text is not output";
  EXPECT_EQ(seen(3).finish[0], FinishReason::kStop);
  EXPECT_EQ(seen(3).stop_reason[0], StopReason{kToySpace});
}

TEST_F(EngineTest, MinTokensSuppressesEarlyStops) {
  make(config(), 32, scripted(3, {{1, {kToyEos, letter('a'), letter('b'), kToyEos, letter('c')}},
                                   {2, {letter('a'), letter('b'), letter('a'), letter('c')}}}));
  GenerationRequest eos = request(kPrompt, 5);
  eos.sampling.min_tokens = 3;
  submit(eos);
  GenerationRequest str = request(kPrompt, 4);
  str.sampling.min_tokens = 2;
  str.sampling.stop = {"a"};
  submit(str);
  run_until_idle();
  EXPECT_EQ(seen(1).tokens[0].size(), 4u) << "the first EOS is output token 1 <= min_tokens 3; the second stops";
  EXPECT_EQ(seen(1).text[0], "ab");
  EXPECT_EQ(seen(1).finish[0], FinishReason::kStop);
  EXPECT_EQ(seen(2).tokens[0].size(), 3u) << "'a' as token 1 is text; as token 3 it stops";
  EXPECT_EQ(seen(2).text[0], "ab");
  EXPECT_EQ(seen(2).stop_reason[0], StopReason{std::string("a")});
}

TEST_F(EngineTest, MultiByteCharactersSplitAcrossTokensComeOutWhole) {
  make(config(), 32, scripted(3, {{1, {kToyEAcuteLead, kToyEAcuteTail, kToyEuroHead, kToyEuroTail}},
                                   {2, {letter('a'), kToyEuroHead}}}));
  submit(request(kPrompt, 4));
  submit(request(kPrompt, 2));
  run_until_idle();
  Seen& s = seen(1);
  ASSERT_EQ(s.outputs.size(), 4u);
  EXPECT_EQ(s.outputs[0].sequences[0].text, "");
  EXPECT_EQ(s.outputs[1].sequences[0].text, "\xC3\xA9");
  EXPECT_EQ(s.outputs[2].sequences[0].text, "");
  EXPECT_EQ(s.outputs[3].sequences[0].text, "\xE2\x82\xAC");
  EXPECT_EQ(seen(2).text[0], "a\xEF\xBF\xBD") << "a torn character at the end is flushed as U+FFFD";
}

// The i-th output (1-based) of splitmix64 seeded with `seed`.
uint64_t splitmix64_output(uint64_t seed, int i) {
  uint64_t z = 0;
  for (int k = 0; k < i; ++k) {
    seed += 0x9E3779B97F4A7C15ull;
    z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
  }
  return z;
}

TEST_F(EngineTest, NChildrenStreamIndependentlyUnderOneRequest) {
  make(config(), 32, scripted(9, {{1, letters("abc")}, {2, letters("xyz")}}));
  GenerationRequest r = request({20, 21, 22, 23, 24, 25, 26, 27, 28}, 3);
  r.sampling.n = 2;
  r.sampling.stop = {"b"};
  ASSERT_EQ(submit(r), 1u) << "children are sequences 1 and 2";
  run_until_idle();
  Seen& s = seen(1);
  EXPECT_EQ(s.text[0], "a");
  EXPECT_EQ(s.finish[0], FinishReason::kStop);
  EXPECT_EQ(s.text[1], "xyz");
  EXPECT_EQ(s.finish[1], FinishReason::kLength);
  ASSERT_TRUE(s.finished);
  EXPECT_EQ(s.outputs.back().sequences.back().index, 1) << "the request ends with its last child";
  for (size_t i = 0; i + 1 < s.outputs.size(); ++i) EXPECT_FALSE(s.outputs[i].finished);
  EXPECT_EQ(s.outputs.back().num_cached_prompt_tokens, 0) << "child 0 found nothing cached";

  std::map<RequestId, uint64_t> seeds;
  for (const StepPlan& p : executor_->plans) {
    for (const NewRequestPlan& n : p.new_requests) seeds[n.id] = n.sampling.seed;
  }
  EXPECT_EQ(seeds.at(1), splitmix64_output(7, 1));
  EXPECT_EQ(seeds.at(2), splitmix64_output(7, 2));
  EXPECT_EQ(find_new(executor_->plans.at(1), 2)->num_computed_tokens, 8) << "child 1 shares two prompt blocks";
}

TEST_F(EngineTest, AbortEndsTheStreamAndFreesItsBlocks) {
  EngineLoop& e = make(config(), 32);
  const RequestId running = submit(request(kPrompt, 50));
  e.step(std::chrono::milliseconds(0));
  e.step(std::chrono::milliseconds(0));
  const RequestId waiting_then_aborted = submit(request(kPrompt, 5));
  e.abort(running);
  e.abort(waiting_then_aborted);
  e.abort(12345);  // unknown: ignored
  e.step(std::chrono::milliseconds(0));
  EXPECT_TRUE(seen(running).finished);
  EXPECT_EQ(seen(running).finish[0], FinishReason::kAbort);
  EXPECT_EQ(seen(running).tokens[0].size(), 2u);
  EXPECT_EQ(seen(waiting_then_aborted).finish[0], FinishReason::kAbort);
  EXPECT_TRUE(seen(waiting_then_aborted).tokens[0].empty());
  run_until_idle();
  EXPECT_EQ(e.metrics().finished_by_reason[static_cast<size_t>(FinishReason::kAbort)], 2u);
}

TEST_F(EngineTest, PreemptedRequestsStillStreamExactlyTheirTokens) {
  EngineConfig c = config();
  c.text_streams = nullptr;  // token ids only
  EngineLoop& e = make(c, 8);  // 32 tokens of KV for four requests growing to 18
  for (int i = 0; i < 4; ++i) submit(request({30, 31, 32, 33, 34, static_cast<int32_t>(35 + i)}, 12));
  run_until_idle();
  EXPECT_GT(e.metrics().num_preemptions, 0u);
  for (RequestId id = 1; id <= 4; ++id) {
    std::vector<int32_t> expect;
    for (int32_t k = 0; k < 12; ++k) expect.push_back(default_token(id, 6 + k));
    EXPECT_EQ(seen(id).tokens[0], expect) << "request " << id;
    EXPECT_EQ(seen(id).text[0], "");
  }
}

TEST_F(EngineTest, PipelinedPlansOverlapAndStillStreamCorrectly) {
  EngineConfig c = config();
  c.scheduler.max_plans_in_flight = 2;
  c.scheduler.max_num_batched_tokens = 4;
  EngineLoop& e = make(c, 32);
  for (int i = 0; i < 3; ++i) submit(request({40, 41, static_cast<int32_t>(42 + i)}, 6));
  run_until_idle();
  EXPECT_EQ(executor_->max_outstanding, 2u);
  for (RequestId id = 1; id <= 3; ++id) {
    std::vector<int32_t> expect;
    for (int32_t k = 0; k < 6; ++k) expect.push_back(default_token(id, 3 + k));
    EXPECT_EQ(seen(id).tokens[0], expect) << "request " << id;
  }
  EXPECT_FALSE(e.dead());
}

}  // namespace
}  // namespace llmc::test
