// The Prometheus text: every sample line parses, histogram buckets are cumulative and end at the count,
// and the values are the snapshot's.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "runtime/head/http/simple_endpoints.h"

namespace llmc::http_api {
namespace {

// "name{labels} value" -> map; fails on a malformed line.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    EXPECT_NE(line.find('{'), std::string::npos) << line;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(Prometheus, GaugesCountersAndCumulativeHistograms) {
  MetricsSnapshot m;
  m.num_running = 3;
  m.num_waiting = 2;
  m.kv_usage = 0.25;
  m.seconds_since_last_step = 7.5;
  m.stalled = true;
  m.prefix_cache_queries = 100;
  m.prefix_cache_hits = 40;
  m.prompt_tokens = 1000;
  m.generation_tokens = 500;
  m.finished_by_reason[static_cast<size_t>(FinishReason::kStop)] = 7;
  m.finished_by_reason[static_cast<size_t>(FinishReason::kAbort)] = 2;
  m.time_to_first_token = {{0.1, 0.5, 1.0}, {1, 2, 0, 3}, 9.5, 6};
  m.request_generation_tokens = {{1, 2, 5}, {0, 1, 1, 2}, 19, 4};
  HttpCounters http;
  http.by_status[2] = 11;
  http.by_status[4] = 3;
  const std::string text = prometheus_text(m, "my \"model\"", http);
  EXPECT_NE(text.find("# TYPE vllm:time_to_first_token_seconds histogram"), std::string::npos);
  const auto s = samples(text);
  const std::string l = "model_name=\"my \\\"model\\\"\"";
  EXPECT_EQ(s.at("vllm:num_requests_running{" + l + "}"), 3);
  EXPECT_EQ(s.at("vllm:num_requests_waiting{" + l + "}"), 2);
  EXPECT_EQ(s.at("vllm:kv_cache_usage_perc{" + l + "}"), 0.25);
  EXPECT_EQ(s.at("llmc:engine_seconds_since_last_step{" + l + "}"), 7.5);
  EXPECT_EQ(s.at("llmc:engine_stalled{" + l + "}"), 1);
  EXPECT_NE(text.find("# TYPE llmc:engine_seconds_since_last_step gauge"), std::string::npos);
  EXPECT_EQ(s.at("vllm:prefix_cache_hits_total{" + l + "}"), 40);
  EXPECT_EQ(s.at("vllm:prefix_cache_queries_total{" + l + "}"), 100);
  EXPECT_EQ(s.at("vllm:prompt_tokens_total{" + l + "}"), 1000);
  EXPECT_EQ(s.at("vllm:generation_tokens_total{" + l + "}"), 500);
  EXPECT_EQ(s.at("vllm:request_success_total{" + l + ",finished_reason=\"stop\"}"), 7);
  EXPECT_EQ(s.at("vllm:request_success_total{" + l + ",finished_reason=\"abort\"}"), 2);
  EXPECT_EQ(s.at("vllm:request_success_total{" + l + ",finished_reason=\"length\"}"), 0);
  EXPECT_EQ(s.at("llmc:http_responses_total{" + l + ",code=\"2xx\"}"), 11);
  const std::string b = "vllm:time_to_first_token_seconds_bucket{" + l + ",le=";
  EXPECT_EQ(s.at(b + "\"0.1\"}"), 1);
  EXPECT_EQ(s.at(b + "\"0.5\"}"), 3);
  EXPECT_EQ(s.at(b + "\"1\"}"), 3);
  EXPECT_EQ(s.at(b + "\"+Inf\"}"), 6);
  EXPECT_EQ(s.at("vllm:time_to_first_token_seconds_sum{" + l + "}"), 9.5);
  EXPECT_EQ(s.at("vllm:time_to_first_token_seconds_count{" + l + "}"), 6);
  const std::string g = "vllm:request_generation_tokens_bucket{" + l + ",le=";
  EXPECT_EQ(s.at(g + "\"1\"}"), 0);
  EXPECT_EQ(s.at(g + "\"2\"}"), 1);
  EXPECT_EQ(s.at(g + "\"5\"}"), 2);
  EXPECT_EQ(s.at(g + "\"+Inf\"}"), 4);
  EXPECT_EQ(s.at("vllm:request_generation_tokens_sum{" + l + "}"), 19);
  for (const char* h : {"vllm:inter_token_latency_seconds_count", "vllm:e2e_request_latency_seconds_count",
                        "vllm:request_prompt_tokens_count"}) {
    EXPECT_EQ(s.at(std::string(h) + "{" + l + "}"), 0) << h;
  }
}

}  // namespace
}  // namespace llmc::http_api
