// llm-bench's command line, spelled as `vllm bench serve` spells it so existing command lines work
// (--base-url, --endpoint, --backend, --model, --dataset-name, --random-input-len, --num-prompts,
// --request-rate, --max-concurrency, --save-result, --result-filename, ...), plus --timeout and --sweep.
// `llm-bench --help` lists every option; docs/benchmarking.md explains them.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmc::bench {

struct BenchOptions {
  // Where and what.
  std::string backend = "openai";  // openai (/v1/completions) | openai-chat (/v1/chat/completions)
  std::string base_url;            // http://host:port[/prefix]; else --host and --port
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string endpoint;  // default by backend
  std::string model;     // empty: the first model of GET /v1/models
  std::string served_model_name;
  std::string tokenizer;  // a folder with tokenizer.json; default: --model when it is one
  std::vector<std::pair<std::string, std::string>> headers;
  nlohmann::json extra_body = nlohmann::json::object();  // merged into every request (sampling options too)

  // Workload.
  std::string dataset_name = "random";  // random | sharegpt | prefix
  std::string dataset_path;
  int64_t num_prompts = 1000;
  int64_t random_input_len = 1024;
  int64_t random_output_len = 128;
  double random_range_ratio = 0.0;
  int64_t random_prefix_len = 0;
  int64_t sharegpt_output_len = -1;
  int64_t prefix_len = 256;  // --prefix-repetition-prefix-len
  int64_t suffix_len = 256;  // --prefix-repetition-suffix-len
  int64_t num_prefixes = 10;
  int64_t prefix_output_len = 128;
  uint64_t seed = 0;
  bool ignore_eos = false;

  // Traffic.
  double request_rate = std::numeric_limits<double>::infinity();
  double burstiness = 1.0;
  std::optional<int64_t> max_concurrency;
  int64_t num_warmups = 0;
  std::vector<int64_t> sweep;  // concurrency levels; one run each
  double timeout_s = 600.0;    // a server silent this long fails the request and ends the run

  // Output.
  std::vector<std::string> percentile_metrics{"ttft", "tpot", "itl", "e2el"};
  std::vector<double> metric_percentiles{90, 99};
  bool save_result = false;
  std::string result_dir;
  std::string result_filename;
  std::string label;  // default: backend
  std::vector<std::pair<std::string, std::string>> metadata;
  bool disable_tqdm = false;

  // Derived by parse_bench_options.
  bool chat() const { return backend == "openai-chat"; }
};

// Parses argv (throws llmc::Error with a one-line message on a bad option). Returns nullopt after printing
// --help or --version.
std::optional<BenchOptions> parse_bench_options(int argc, const char* const* argv);

// "inf" -> infinity, else a positive number.
double parse_rate(const std::string& text);

}  // namespace llmc::bench
