// Every metric against numbers worked out by hand from four timelines fed through StreamRecorder:
//  A: 5 tokens in 3 chunks (several tokens per chunk), B: a one-token request, C: refused with HTTP 503,
//  D: 4 tokens in 4 chunks. Expected values are computed below in comments, not by the code under test.
#include "bench/llm_bench/metrics.h"

#include <gtest/gtest.h>

#include "bench/llm_bench/stream_recorder.h"
#include "tests/unit/bench/stream_helpers.h"

namespace llmc::bench {
namespace {

using test::completion_chunk;
using test::usage_chunk;

constexpr double kEps = 1e-9;

std::vector<RequestOutput> timelines() {
  std::vector<RequestOutput> out;
  {  // A: sent at 0.0; chunks at 0.5 ("a b"), 0.6 ("c"), 0.8 ("d e"); usage says 5 tokens.
    StreamRecorder r(ApiKind::kCompletions, 0.0, 99, 5);
    r.on_message(completion_chunk("a b"), 0.5);
    r.on_message(completion_chunk("c"), 0.6);
    r.on_message(completion_chunk("d e", true), 0.8);
    r.on_message(usage_chunk(10, 5), 0.81);
    r.on_message("[DONE]", 0.82);
    out.push_back(r.finish());
  }
  {  // B: one token; sent at 1.0, its only chunk at 1.3.
    StreamRecorder r(ApiKind::kCompletions, 1.0, 99, 1);
    r.on_message(completion_chunk("x", true), 1.3);
    r.on_message(usage_chunk(7, 1), 1.3);
    r.on_message("[DONE]", 1.3);
    out.push_back(r.finish());
  }
  {  // C: refused.
    StreamRecorder r(ApiKind::kCompletions, 0.1, 20, 8);
    r.fail("HTTP 503 Service Unavailable: engine busy", 503);
    out.push_back(r.finish());
  }
  {  // D: sent at 0.2; one token per chunk at 0.4, 0.5, 0.6, 0.7.
    StreamRecorder r(ApiKind::kCompletions, 0.2, 99, 4);
    for (double t : {0.4, 0.5, 0.6}) r.on_message(completion_chunk("t"), t);
    r.on_message(completion_chunk("t", true), 0.7);
    r.on_message(usage_chunk(12, 4, 8), 0.7);
    r.on_message("[DONE]", 0.7);
    out.push_back(r.finish());
  }
  return out;
}

TEST(LlmBenchPercentile, MatchesNumpyLinearInterpolation) {
  // numpy.percentile([1, 2, 3, 4], q) for q = 0, 25, 50, 90, 100: 1, 1.75, 2.5, 3.7, 4.
  const std::vector<double> v{4, 1, 3, 2};
  EXPECT_NEAR(percentile(v, 0), 1.0, kEps);
  EXPECT_NEAR(percentile(v, 25), 1.75, kEps);
  EXPECT_NEAR(percentile(v, 50), 2.5, kEps);
  EXPECT_NEAR(percentile(v, 90), 3.7, kEps);
  EXPECT_NEAR(percentile(v, 100), 4.0, kEps);
  EXPECT_EQ(percentile({}, 99), 0.0);  // vLLM: np.percentile(values or 0, p)
  EXPECT_NEAR(percentile({5.0}, 99), 5.0, kEps);
}

TEST(LlmBenchTimelines, RecorderKeepsWhatTheStreamSaid) {
  const auto t = timelines();
  EXPECT_TRUE(t[0].success);
  EXPECT_NEAR(t[0].ttft, 0.5, kEps);
  ASSERT_EQ(t[0].itl.size(), 2u);  // one gap per chunk, not per token
  EXPECT_NEAR(t[0].itl[0], 0.1, kEps);
  EXPECT_NEAR(t[0].itl[1], 0.2, kEps);
  EXPECT_NEAR(t[0].latency, 0.8, kEps);  // the last chunk with a choice, not [DONE]
  EXPECT_EQ(t[0].output_tokens, 5);
  EXPECT_EQ(t[0].prompt_len, 10);  // usage replaces the dataset's 99
  EXPECT_EQ(t[0].generated_text, "a bcd e");
  EXPECT_TRUE(t[1].success);
  EXPECT_NEAR(t[1].ttft, 0.3, kEps);
  EXPECT_TRUE(t[1].itl.empty());
  EXPECT_NEAR(t[1].latency, 0.3, kEps);
  EXPECT_FALSE(t[2].success);
  EXPECT_EQ(t[2].http_status, 503);
  EXPECT_NE(t[2].error.find("503"), std::string::npos);
  EXPECT_EQ(t[3].cached_tokens, 8);
}

TEST(LlmBenchMetrics, HandComputedSummary) {
  const auto t = timelines();
  const std::vector<double> ps{50, 90, 99};
  const BenchmarkMetrics m = calculate_metrics(t, 2.0, ps);
  EXPECT_EQ(m.completed, 3);
  EXPECT_EQ(m.failed, 1);
  EXPECT_EQ(m.total_input, 10 + 7 + 12);  // successful requests only
  EXPECT_EQ(m.total_output, 5 + 1 + 4);
  EXPECT_EQ(m.output_lens, (std::vector<int64_t>{5, 1, 0, 4}));
  EXPECT_EQ(m.total_cached_tokens, 8);
  EXPECT_NEAR(m.request_throughput, 1.5, kEps);       // 3 / 2 s
  EXPECT_NEAR(m.output_throughput, 5.0, kEps);        // 10 / 2 s
  EXPECT_NEAR(m.total_token_throughput, 19.5, kEps);  // (29 + 10) / 2 s

  // TTFT: A 0.5, B 0.3, D 0.2 -> mean 1/3 s; median 0.3; population std sqrt(0.0466667/3) = 0.1247219;
  // p90: rank 0.9*2 = 1.8 -> 0.3 + 0.8*0.2 = 0.46; p99: 0.3 + 0.98*0.2 = 0.496.
  EXPECT_NEAR(m.ttft.mean_ms, 1000.0 / 3, 1e-6);
  EXPECT_NEAR(m.ttft.median_ms, 300.0, 1e-6);
  EXPECT_NEAR(m.ttft.std_ms, 124.7219129, 1e-6);
  ASSERT_EQ(m.ttft.percentiles_ms.size(), 3u);
  EXPECT_EQ(m.ttft.percentiles_ms[1].first, 90.0);
  EXPECT_NEAR(m.ttft.percentiles_ms[1].second, 460.0, 1e-6);
  EXPECT_NEAR(m.ttft.percentiles_ms[2].second, 496.0, 1e-6);

  // TPOT: A (0.8 - 0.5) / (5 - 1) = 0.075; D (0.5 - 0.2) / 3 = 0.1; B has one token and no sample.
  // mean 0.0875, median 0.0875, std 0.0125, p90: 0.075 + 0.9*0.025 = 0.0975.
  EXPECT_NEAR(m.tpot.mean_ms, 87.5, 1e-6);
  EXPECT_NEAR(m.tpot.median_ms, 87.5, 1e-6);
  EXPECT_NEAR(m.tpot.std_ms, 12.5, 1e-6);
  EXPECT_NEAR(m.tpot.percentiles_ms[1].second, 97.5, 1e-6);

  // ITL: A's 0.1, 0.2 and D's 0.1, 0.1, 0.1 -> mean 0.12, median 0.1, std 0.04, p90: rank 3.6 -> 0.16.
  EXPECT_NEAR(m.itl.mean_ms, 120.0, 1e-6);
  EXPECT_NEAR(m.itl.median_ms, 100.0, 1e-6);
  EXPECT_NEAR(m.itl.std_ms, 40.0, 1e-6);
  EXPECT_NEAR(m.itl.percentiles_ms[1].second, 160.0, 1e-6);

  // E2EL: 0.8, 0.3, 0.5 -> mean 0.53333, median 0.5, p99: 0.5 + 0.98*0.3 = 0.794.
  EXPECT_NEAR(m.e2el.mean_ms, 1600.0 / 3, 1e-6);
  EXPECT_NEAR(m.e2el.median_ms, 500.0, 1e-6);
  EXPECT_NEAR(m.e2el.percentiles_ms[2].second, 794.0, 1e-6);

  // Peak: chunk times A .5 .6 .8, D .4 .5 .6 .7 in second 0 (7), B 1.3 in second 1; A [0, .8) and D [.2, .7)
  // overlap, B [1.0, 1.3) does not.
  EXPECT_NEAR(m.max_output_tokens_per_s, 7.0, kEps);
  EXPECT_EQ(m.max_concurrent_requests, 2);
}

TEST(LlmBenchMetrics, AllFailedGivesZerosNotNaN) {
  StreamRecorder r(ApiKind::kCompletions, 0.0, 5, 5);
  r.fail("cannot connect: Connection refused");
  const std::vector<RequestOutput> t{r.finish()};
  const BenchmarkMetrics m = calculate_metrics(t, 1.0, std::vector<double>{99});
  EXPECT_EQ(m.completed, 0);
  EXPECT_EQ(m.failed, 1);
  EXPECT_EQ(m.ttft.mean_ms, 0.0);
  EXPECT_EQ(m.tpot.percentiles_ms[0].second, 0.0);
  EXPECT_EQ(m.max_concurrent_requests, 0);
}

TEST(LlmBenchMetrics, PercentileWords) {
  EXPECT_EQ(percentile_word(99), "99");
  EXPECT_EQ(percentile_word(99.9), "99.9");
  EXPECT_EQ(percentile_word(50), "50");
}

}  // namespace
}  // namespace llmc::bench
