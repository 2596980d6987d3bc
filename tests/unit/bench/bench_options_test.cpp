// A `vllm bench serve` command line parses to what it means there; bad values fail with one clear line.
#include "bench/llm_bench/bench_options.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/check.h"

namespace llmc::bench {
namespace {

BenchOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "llm-bench");
  auto o = parse_bench_options(static_cast<int>(args.size()), args.data());
  if (!o) throw std::runtime_error("no options");
  return *o;
}

std::string error_of(std::vector<const char*> args) {
  try {
    parse(std::move(args));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LlmBenchBenchOptions, VllmCommandLine) {
  const BenchOptions o = parse({"--backend",
                                "openai-chat",
                                "--base-url",
                                "http://10.0.0.1:8001",
                                "--model",
                                "meta-llama/Llama-3.1-8B",
                                "--dataset-name",
                                "random",
                                "--random-input-len",
                                "512",
                                "--random-output-len",
                                "64",
                                "--random-range-ratio",
                                "0.1",
                                "--num-prompts",
                                "200",
                                "--request-rate",
                                "8",
                                "--burstiness",
                                "0.5",
                                "--max-concurrency",
                                "16",
                                "--seed",
                                "42",
                                "--save-result",
                                "--result-dir",
                                "out",
                                "--result-filename",
                                "r.json",
                                "--percentile-metrics",
                                "ttft,e2el",
                                "--metric-percentiles",
                                "50,99.9",
                                "--metadata",
                                "gpu=h100",
                                "tp=1",
                                "--temperature",
                                "0"});
  EXPECT_TRUE(o.chat());
  EXPECT_EQ(o.endpoint, "/v1/chat/completions");
  EXPECT_EQ(o.base_url, "http://10.0.0.1:8001");
  EXPECT_EQ(o.random_input_len, 512);
  EXPECT_EQ(o.random_output_len, 64);
  EXPECT_DOUBLE_EQ(o.random_range_ratio, 0.1);
  EXPECT_EQ(o.num_prompts, 200);
  EXPECT_DOUBLE_EQ(o.request_rate, 8.0);
  EXPECT_DOUBLE_EQ(o.burstiness, 0.5);
  EXPECT_EQ(o.max_concurrency, 16);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_TRUE(o.save_result);
  EXPECT_TRUE(o.ignore_eos);  // random workloads ask for exact lengths, as in vLLM
  EXPECT_EQ(o.percentile_metrics, (std::vector<std::string>{"ttft", "e2el"}));
  EXPECT_EQ(o.metric_percentiles, (std::vector<double>{50, 99.9}));
  EXPECT_EQ(o.metadata.size(), 2u);
  EXPECT_EQ(o.extra_body["temperature"], 0.0);
  EXPECT_EQ(o.label, "openai-chat");
}

TEST(LlmBenchBenchOptions, Defaults) {
  const BenchOptions o = parse({});
  EXPECT_EQ(o.endpoint, "/v1/completions");
  EXPECT_TRUE(std::isinf(o.request_rate));
  EXPECT_FALSE(o.max_concurrency);
  EXPECT_EQ(o.num_prompts, 1000);
  EXPECT_EQ(o.metric_percentiles, (std::vector<double>{90, 99}));
  const BenchOptions p =
      parse({"--dataset-name", "prefix_repetition", "--percentiles", "25", "--sweep", "1,2,4"});
  EXPECT_EQ(p.dataset_name, "prefix");
  EXPECT_FALSE(p.ignore_eos);
  EXPECT_EQ(p.metric_percentiles, std::vector<double>{25});
  EXPECT_EQ(p.sweep, (std::vector<int64_t>{1, 2, 4}));
}

TEST(LlmBenchBenchOptions, BadValuesSayWhich) {
  EXPECT_NE(error_of({"--backend", "tgi"}).find("--backend"), std::string::npos);
  EXPECT_NE(error_of({"--request-rate", "fast"}).find("--request-rate"), std::string::npos);
  EXPECT_NE(error_of({"--request-rate", "0"}).find("--request-rate"), std::string::npos);
  EXPECT_NE(error_of({"--dataset-name", "sharegpt"}).find("--dataset-path"), std::string::npos);
  EXPECT_NE(error_of({"--max-concurrency", "0"}).find("--max-concurrency"), std::string::npos);
  EXPECT_NE(error_of({"--percentile-metrics", "ttft,foo"}).find("foo"), std::string::npos);
  EXPECT_NE(error_of({"--sweep", "1,x"}).find("--sweep"), std::string::npos);
  EXPECT_NE(error_of({"--no-such-flag"}).find("no-such-flag"), std::string::npos);
  EXPECT_NE(error_of({"--timeout", "0"}).find("--timeout"), std::string::npos);
}

}  // namespace
}  // namespace llmc::bench
