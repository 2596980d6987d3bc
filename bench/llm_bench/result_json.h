// The result file: vLLM's result JSON (same field names and meanings, so scripts written for
// `vllm bench serve --save-result --save-detailed` read ours), with a few fields of our own appended.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bench/llm_bench/metrics.h"
#include "bench/llm_bench/request_output.h"

namespace llmc::bench {

struct ResultInfo {
  std::string date;  // YYYYmmdd-HHMMSS
  std::string backend;
  std::string label;
  std::string model_id;
  std::string tokenizer_id;
  std::string dataset_name;
  int64_t num_prompts = 0;
  double request_rate = 0;  // inf is written as "inf"
  double burstiness = 1.0;
  std::optional<int64_t> max_concurrency;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::string> percentile_metrics;
  double duration_s = 0;
  std::string stopped;
};

nlohmann::ordered_json result_json(const ResultInfo& info, const BenchmarkMetrics& metrics,
                                   std::span<const RequestOutput> outputs);

// vLLM's default name: {label}-{rate}qps[-concurrency{N}]-{model basename}-{date}.json, rate as Python prints
// a float ("inf", "10.0"); `filename` overrides it; `dir` (created) goes in front.
std::filesystem::path result_path(const ResultInfo& info, const std::string& filename,
                                  const std::string& dir);

// Python's str(float) for the numbers we print in names: "inf", "10.0", "0.5".
std::string python_float(double v);

// The local date and time as vLLM stamps results: YYYYmmdd-HHMMSS.
std::string timestamp_now();

}  // namespace llmc::bench
