// EngineLoop: executor failures, protocol errors, timeouts, misbehaving callbacks, queue bounds, request
// validation, metrics and the threaded request API.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "runtime/head/output_stream.h"
#include "tests/unit/head/engine_test_util.h"

namespace llmc::test {
namespace {

using namespace std::chrono_literals;
const std::vector<int32_t> kPrompt{20, 21, 22};

struct FailureCase {
  const char* name;
  std::function<void(FakeExecutor&)> arm;
  const char* message;
};

class EngineFailureTest : public EngineTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(EngineFailureTest, FailsEveryRequestWithErrorAndRefusesNewOnes) {
  EngineConfig c = config();
  c.step_timeout = 50ms;
  EngineLoop& e = make(c, 32);
  GetParam().arm(*executor_);
  const RequestId a = submit(request(kPrompt, 10));
  const RequestId b = submit(request({30, 31}, 10));
  for (int i = 0; i < 200 && !e.dead(); ++i) e.step(5ms);
  ASSERT_TRUE(e.dead());
  EXPECT_NE(e.dead_reason().find(GetParam().message), std::string::npos) << e.dead_reason();
  for (const RequestId id : {a, b}) {
    Seen& s = seen(id);
    ASSERT_TRUE(s.finished) << "request " << id;
    EXPECT_EQ(s.finish[0], FinishReason::kError);
    EXPECT_NE(s.outputs.back().error.find(GetParam().message), std::string::npos) << s.outputs.back().error;
  }
  try {
    e.submit(request(kPrompt, 3), [](RequestOutput) {});
    ADD_FAILURE() << "a dead engine accepted a request";
  } catch (const SubmitError& err) {
    EXPECT_EQ(err.kind(), SubmitError::Kind::kEngineDead);
  }
  EXPECT_FALSE(e.scheduler().has_unfinished());
}

INSTANTIATE_TEST_SUITE_P(
    Executor, EngineFailureTest,
    ::testing::Values(
        FailureCase{"ThrowOnCollect", [](FakeExecutor& x) { x.throw_on_collect = 2; }, "worker 2 died"},
        FailureCase{"ThrowOnSubmit", [](FakeExecutor& x) { x.throw_on_submit = 2; }, "control plane link down"},
        FailureCase{"ErrorResult", [](FakeExecutor& x) { x.error_at = 1; }, "illegal memory access"},
        FailureCase{"WrongStep", [](FakeExecutor& x) { x.wrong_step_at = 2; }, "expected step 2"},
        FailureCase{"Timeout", [](FakeExecutor& x) { x.hang_at = 2; }, "no result within"}),
    [](const ::testing::TestParamInfo<FailureCase>& info) { return std::string(info.param.name); });

TEST_F(EngineTest, StepTimeoutIsMeasuredFromSubmission) {
  EngineConfig c = config();
  c.step_timeout = 40ms;
  EngineLoop& e = make(c, 32);
  executor_->hang_at = 1;
  submit(request(kPrompt, 3));
  const auto start = std::chrono::steady_clock::now();
  while (!e.dead() && std::chrono::steady_clock::now() - start < 2s) e.step(10ms);
  ASSERT_TRUE(e.dead());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 40ms);
}

TEST_F(EngineTest, AThrowingCallbackAbortsOnlyItsOwnRequest) {
  EngineLoop& e = make(config(), 32);
  int calls = 0;
  e.submit(request(kPrompt, 10), [&calls](RequestOutput) {
    if (++calls == 2) throw std::runtime_error("client went away");
  });
  const RequestId ok = submit(request({30, 31}, 4));
  run_until_idle();
  EXPECT_EQ(calls, 2) << "no outputs after the callback failed";
  EXPECT_FALSE(e.dead());
  EXPECT_EQ(seen(ok).tokens[0].size(), 4u);
  EXPECT_EQ(e.metrics().finished_by_reason[static_cast<size_t>(FinishReason::kAbort)], 1u);
}

TEST_F(EngineTest, QueueBoundsRefuseWithOverloadedAndRecover) {
  EngineConfig c = config();
  c.max_num_queued_requests = 2;
  EngineLoop& e = make(c, 32);
  submit(request(kPrompt, 2));
  const RequestId second = submit(request(kPrompt, 2));
  try {
    e.submit(request(kPrompt, 2), [](RequestOutput) {});
    ADD_FAILURE() << "a third queued request was accepted";
  } catch (const SubmitError& err) {
    EXPECT_EQ(err.kind(), SubmitError::Kind::kOverloaded);
    EXPECT_NE(std::string(err.what()).find("overloaded"), std::string::npos) << err.what();
  }
  EXPECT_EQ(e.metrics().rejected_overloaded, 1u);
  e.abort(second);
  e.step(0ms);  // the first is scheduled, the second aborted: the queue is empty again
  submit(request(kPrompt, 2));
  submit(request(kPrompt, 2));
  run_until_idle();

  EngineConfig t = config();
  t.max_num_queued_tokens = 128;
  EngineLoop& e2 = make(t, 32);
  submit(request(std::vector<int32_t>(60, 20), 2));
  submit(request(std::vector<int32_t>(60, 21), 2));
  EXPECT_THROW(e2.submit(request(std::vector<int32_t>(60, 22), 2), [](RequestOutput) {}), SubmitError)
      << "180 queued prompt tokens > 128";
  submit(request(std::vector<int32_t>(8, 22), 2));
}

TEST_F(EngineTest, InvalidRequestsAreRejectedWithAReason) {
  EngineConfig c = config();
  c.vocab_size = 50;
  EngineLoop& e = make(c, /*num_blocks=*/8);  // 32 tokens of KV
  struct Case {
    std::function<void(GenerationRequest&)> edit;
    const char* needle;
  };
  const std::vector<Case> cases{
      {[](GenerationRequest& r) { r.prompt_token_ids.clear(); }, "prompt is empty"},
      {[](GenerationRequest& r) { r.prompt_token_ids[1] = 50; }, "outside the vocabulary"},
      {[](GenerationRequest& r) { r.sampling.max_tokens = 0; }, "max_tokens"},
      {[](GenerationRequest& r) { r.sampling.min_tokens = 5; }, "min_tokens"},
      {[](GenerationRequest& r) { r.sampling.top_p = 0.0f; }, "top_p"},
      {[](GenerationRequest& r) { r.sampling.n = 0; }, "n must be"},
      {[](GenerationRequest& r) { r.sampling.logprobs = 21; }, "logprobs"},
      {[](GenerationRequest& r) { r.sampling.stop = {""}; }, "stop strings"},
      {[](GenerationRequest& r) { r.sampling.stop = {"x"}; r.detokenize = false; }, "detokenize"},
      {[](GenerationRequest& r) { r.priority = 3; }, "FCFS"},
      {[](GenerationRequest& r) { r.prompt_token_ids.assign(100, 20); r.sampling.max_tokens = 29; },
       "maximum context length is 128"},
      {[](GenerationRequest& r) { r.prompt_token_ids.assign(20, 20); r.sampling.max_tokens = 13; },
       "needs 9 KV-cache blocks"},
  };
  for (const Case& k : cases) {
    GenerationRequest r = request(kPrompt, 4);
    k.edit(r);
    try {
      e.submit(r, [](RequestOutput) {});
      ADD_FAILURE() << "accepted; expected a rejection mentioning '" << k.needle << "'";
    } catch (const SubmitError& err) {
      EXPECT_EQ(err.kind(), SubmitError::Kind::kInvalidRequest);
      EXPECT_NE(std::string(err.what()).find(k.needle), std::string::npos) << err.what();
    }
  }
  EXPECT_THROW(e.submit(request(kPrompt, 4), nullptr), SubmitError);
  EXPECT_EQ(e.metrics().rejected_invalid, cases.size());
  // The largest request that fits: 20 + 12 = 32 tokens = the whole cache.
  GenerationRequest fits = request(std::vector<int32_t>(20, 20), 12);
  submit(fits);
}

TEST_F(EngineTest, MetricsFollowTheClock) {
  double now_s = 0.0;
  EngineConfig c = config();
  c.clock = [&now_s] {
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(now_s)));
  };
  EngineLoop& e = make(c, 32);
  now_s = 10.0;
  const RequestId id = submit(request({20, 21, 22, 23, 24}, 3));
  for (const double t : {11.0, 13.0, 16.0}) {  // one token per step
    now_s = t;
    e.step(0ms);
  }
  ASSERT_TRUE(seen(id).finished);
  const RequestTimings& tm = seen(id).outputs.back().timings;
  EXPECT_DOUBLE_EQ(tm.queue_time.count(), 1.0);
  EXPECT_DOUBLE_EQ(tm.time_to_first_token.count(), 1.0);
  EXPECT_DOUBLE_EQ(tm.e2e_latency.count(), 6.0);

  now_s = 20.0;
  submit(request({20, 21, 22, 23, 24}, 1));  // same prompt: its first block (4 tokens) is cached
  e.step(0ms);
  const MetricsSnapshot m = e.metrics();
  EXPECT_EQ(m.queue_time.count, 2u);
  EXPECT_DOUBLE_EQ(m.queue_time.sum, 1.0);
  EXPECT_EQ(m.time_to_first_token.count, 2u);
  EXPECT_DOUBLE_EQ(m.inter_token_latency.sum, 2.0 + 3.0);
  EXPECT_EQ(m.inter_token_latency.count, 2u);
  EXPECT_EQ(m.e2e_latency.count, 2u);
  EXPECT_DOUBLE_EQ(m.e2e_latency.sum, 6.0);
  EXPECT_EQ(m.prompt_tokens, 10u);
  EXPECT_EQ(m.generation_tokens, 4u);
  // Per finished request: prompts of 5 and 5 tokens, outputs of 3 and 1.
  EXPECT_EQ(m.request_prompt_tokens.count, 2u);
  EXPECT_DOUBLE_EQ(m.request_prompt_tokens.sum, 10.0);
  EXPECT_EQ(m.request_generation_tokens.count, 2u);
  EXPECT_DOUBLE_EQ(m.request_generation_tokens.sum, 4.0);
  EXPECT_EQ(m.prefix_cache_queries, 10u);
  EXPECT_EQ(m.prefix_cache_hits, 4u);
  EXPECT_EQ(seen(2).outputs.back().num_cached_prompt_tokens, 4);
  EXPECT_EQ(m.finished_by_reason[static_cast<size_t>(FinishReason::kLength)], 2u);
  EXPECT_EQ(m.num_running, 0);
  EXPECT_EQ(m.num_waiting, 0);
  EXPECT_DOUBLE_EQ(m.kv_usage, 0.0);
  // Histogram buckets: 1.0 s falls in (0.75, 1.0].
  const auto& q = m.queue_time;
  const size_t bucket = static_cast<size_t>(std::find(q.bounds.begin(), q.bounds.end(), 1.0) - q.bounds.begin());
  ASSERT_LT(bucket, q.bounds.size());
  EXPECT_EQ(q.counts[bucket], 1u);
}

TEST_F(EngineTest, ThreadedSubmitStreamAndAbort) {
  // The long request's "model" is slow, so the abort lands while it is still generating.
  EngineLoop& e = make(config(), 64, [](RequestId id, int32_t position) {
    if (id == 4) std::this_thread::sleep_for(2ms);
    return default_token(id, position);
  });
  e.start(2ms);
  std::vector<std::shared_ptr<OutputStream>> streams;
  std::vector<RequestId> ids;
  for (int i = 0; i < 4; ++i) {
    auto stream = OutputStream::create();
    ids.push_back(e.submit(request({20, 21, static_cast<int32_t>(22 + i)}, i == 3 ? 100 : 8), stream->callback()));
    streams.push_back(stream);
  }
  // Another thread aborts the long request once it has started streaming.
  std::thread aborter([&] {
    EXPECT_TRUE(streams[3]->next(std::chrono::steady_clock::now() + 5s).has_value());
    e.abort(ids[3]);
  });
  aborter.join();
  for (int i = 0; i < 4; ++i) {
    size_t num_tokens = 0;
    FinishReason reason = FinishReason::kNone;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (bool done = false; !done;) {
      auto out = streams[static_cast<size_t>(i)]->next(deadline);
      ASSERT_TRUE(out.has_value()) << "request " << i << " stalled";
      for (const auto& d : out->sequences) {
        num_tokens += d.token_ids.size();
        if (d.finish_reason != FinishReason::kNone) reason = d.finish_reason;
      }
      done = out->finished;
    }
    EXPECT_TRUE(streams[static_cast<size_t>(i)]->finished());
    if (i < 3) {
      EXPECT_EQ(num_tokens, 8u);
      EXPECT_EQ(reason, FinishReason::kLength);
    } else {
      EXPECT_EQ(reason, FinishReason::kAbort);
      EXPECT_LT(num_tokens, 100u);
    }
  }
  e.stop();
  EXPECT_TRUE(e.idle());
}

TEST(EngineConfigTest, RejectsBoundsThatCouldNeverAdmitAValidPrompt) {
  EngineConfig c;
  c.scheduler.max_model_len = 8192;
  c.max_num_queued_tokens = 4096;
  EXPECT_THROW(c.validate(), Error);
  c.max_num_queued_tokens = 8192;
  EXPECT_NO_THROW(c.validate());
  c.max_num_queued_requests = 0;
  EXPECT_THROW(c.validate(), Error);
}

}  // namespace
}  // namespace llmc::test
