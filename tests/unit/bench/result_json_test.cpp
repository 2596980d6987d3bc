// The result file carries vLLM's field names (what existing scripts read) and every request.
#include "bench/llm_bench/result_json.h"

#include <gtest/gtest.h>

#include <limits>

#include "bench/llm_bench/stream_recorder.h"
#include "tests/unit/bench/stream_helpers.h"

namespace llmc::bench {
namespace {

TEST(LlmBenchResultJson, VllmFieldNamesAndPerRequestLists) {
  std::vector<RequestOutput> outputs;
  StreamRecorder ok(ApiKind::kCompletions, 0.0, 4, 2);
  ok.on_message(test::completion_chunk("a"), 0.1);
  ok.on_message(test::completion_chunk("b", true), 0.3);
  ok.on_message(test::usage_chunk(4, 2, 0), 0.3);
  ok.on_message("[DONE]", 0.3);
  outputs.push_back(ok.finish());
  StreamRecorder bad(ApiKind::kCompletions, 0.0, 4, 2);
  bad.fail("HTTP 503 Service Unavailable: queue full", 503);
  outputs.push_back(bad.finish());
  const std::vector<double> ps{99};
  const BenchmarkMetrics m = calculate_metrics(outputs, 1.0, ps);
  ResultInfo info;
  info.date = "20250101-120000";
  info.backend = "openai";
  info.label = "openai";
  info.model_id = "/models/llama3-vocab/";
  info.num_prompts = 2;
  info.request_rate = std::numeric_limits<double>::infinity();
  info.max_concurrency = 4;
  info.percentile_metrics = {"ttft", "tpot", "itl", "e2el"};
  info.duration_s = 1.0;
  const auto r = result_json(info, m, outputs);
  for (const char* key : {"date",
                          "backend",
                          "model_id",
                          "num_prompts",
                          "request_rate",
                          "burstiness",
                          "max_concurrency",
                          "duration",
                          "completed",
                          "failed",
                          "total_input_tokens",
                          "total_output_tokens",
                          "request_throughput",
                          "output_throughput",
                          "total_token_throughput",
                          "input_lens",
                          "output_lens",
                          "ttfts",
                          "itls",
                          "latencies",
                          "start_times",
                          "errors",
                          "generated_texts",
                          "max_output_tokens_per_s",
                          "max_concurrent_requests",
                          "mean_ttft_ms",
                          "median_ttft_ms",
                          "std_ttft_ms",
                          "p99_ttft_ms",
                          "mean_tpot_ms",
                          "p99_tpot_ms",
                          "mean_itl_ms",
                          "p99_itl_ms",
                          "mean_e2el_ms",
                          "p99_e2el_ms",
                          "cached_tokens",
                          "requested_output_lens"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["request_rate"], "inf");
  EXPECT_EQ(r["completed"], 1);
  EXPECT_EQ(r["failed"], 1);
  EXPECT_EQ(r["output_lens"], nlohmann::json({2, 0}));
  EXPECT_EQ(r["errors"][1], "HTTP 503 Service Unavailable: queue full");
  EXPECT_EQ(r["itls"][0].size(), 1u);
  EXPECT_DOUBLE_EQ(r["p99_tpot_ms"].get<double>(), 200.0);  // (0.3 - 0.1) / (2 - 1)
  EXPECT_EQ(result_path(info, "", "").string(),
            "openai-infqps-concurrency4-llama3-vocab-20250101-120000.json");
  info.request_rate = 10;
  info.max_concurrency.reset();
  EXPECT_EQ(result_path(info, "", "").string(), "openai-10.0qps-llama3-vocab-20250101-120000.json");
  EXPECT_EQ(result_path(info, "mine.json", "").string(), "mine.json");
}

TEST(LlmBenchResultJson, PythonFloats) {
  EXPECT_EQ(python_float(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_float(10), "10.0");
  EXPECT_EQ(python_float(0.5), "0.5");
}

}  // namespace
}  // namespace llmc::bench
