#include "bench/llm_bench/bench_options.h"

#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>
#include <sstream>

#include "common/check.h"
#include "common/version.h"

namespace llmc::bench {

namespace po = boost::program_options;

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

double parse_number(const std::string& text, const char* option) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  LLMC_FAIL() << option << ": '" << text << "' is not a number";
}

std::pair<std::string, std::string> key_value(const std::string& item, const char* option) {
  const size_t eq = item.find('=');
  LLMC_CHECK(eq != std::string::npos && eq > 0) << option << ": '" << item << "' is not KEY=VALUE";
  return {item.substr(0, eq), item.substr(eq + 1)};
}

}  // namespace

double parse_rate(const std::string& text) {
  if (text == "inf" || text == "Inf" || text == "INF") return std::numeric_limits<double>::infinity();
  const double v = parse_number(text, "--request-rate");
  LLMC_CHECK(v > 0) << "--request-rate must be positive or inf, got " << text;
  return v;
}

namespace {

// Values parsed as text first, checked and converted by finish_options.
struct RawOptions {
  std::string request_rate = "inf", percentile_metrics, metric_percentiles, sweep, extra_body;
  std::vector<std::string> headers, metadata;
  int64_t max_concurrency = 0, input_len = -1, output_len = -1;
  std::optional<double> temperature, top_p, min_p, frequency_penalty, presence_penalty, repetition_penalty;
  std::optional<int64_t> top_k;
  bool save_detailed = false;
};

po::options_description describe_options(BenchOptions& o, RawOptions& r) {
  // clang-format off
  po::options_description where("Server");
  where.add_options()
      ("backend", po::value(&o.backend)->default_value(o.backend), "openai (completions) or openai-chat")
      ("base-url", po::value(&o.base_url), "http://host:port of the server (else --host/--port)")
      ("host", po::value(&o.host)->default_value(o.host), "server host")
      ("port", po::value(&o.port)->default_value(o.port), "server port")
      ("endpoint", po::value(&o.endpoint), "API path (default /v1/completions, /v1/chat/completions for openai-chat)")
      ("model", po::value(&o.model), "model name in requests (default: the server's first model)")
      ("served-model-name", po::value(&o.served_model_name), "name sent in requests when it differs from --model")
      ("tokenizer", po::value(&o.tokenizer), "folder with tokenizer.json (default: --model when it is a folder)")
      ("header", po::value(&r.headers)->multitoken(), "extra request headers KEY=VALUE ...")
      ("extra-body", po::value(&r.extra_body), "JSON object merged into every request body")
      ("temperature", po::value<double>()->notifier([&](double v) { r.temperature = v; }), "sampling temperature")
      ("top-p", po::value<double>()->notifier([&](double v) { r.top_p = v; }), "sampling top_p")
      ("top-k", po::value<int64_t>()->notifier([&](int64_t v) { r.top_k = v; }), "sampling top_k")
      ("min-p", po::value<double>()->notifier([&](double v) { r.min_p = v; }), "sampling min_p")
      ("frequency-penalty", po::value<double>()->notifier([&](double v) { r.frequency_penalty = v; }), "")
      ("presence-penalty", po::value<double>()->notifier([&](double v) { r.presence_penalty = v; }), "")
      ("repetition-penalty", po::value<double>()->notifier([&](double v) { r.repetition_penalty = v; }), "");
  po::options_description workload("Workload");
  workload.add_options()
      ("dataset-name", po::value(&o.dataset_name)->default_value(o.dataset_name), "random, sharegpt or prefix")
      ("dataset-path", po::value(&o.dataset_path), "ShareGPT JSON file (sharegpt)")
      ("num-prompts", po::value(&o.num_prompts)->default_value(o.num_prompts), "requests to send")
      ("input-len", po::value(&r.input_len), "sets --random-input-len")
      ("output-len", po::value(&r.output_len), "sets every dataset's output length")
      ("random-input-len", po::value(&o.random_input_len)->default_value(o.random_input_len), "prompt tokens")
      ("random-output-len", po::value(&o.random_output_len)->default_value(o.random_output_len), "max_tokens")
      ("random-range-ratio", po::value(&o.random_range_ratio)->default_value(o.random_range_ratio),
       "lengths uniform in [len*(1-r), len*(1+r)]")
      ("random-prefix-len", po::value(&o.random_prefix_len)->default_value(o.random_prefix_len),
       "random tokens shared by every prompt, before the random part")
      ("sharegpt-output-len", po::value(&o.sharegpt_output_len), "max_tokens for sharegpt (default: the answer's)")
      ("prefix-repetition-prefix-len", po::value(&o.prefix_len)->default_value(o.prefix_len), "shared prefix tokens")
      ("prefix-repetition-suffix-len", po::value(&o.suffix_len)->default_value(o.suffix_len), "own suffix tokens")
      ("prefix-repetition-num-prefixes", po::value(&o.num_prefixes)->default_value(o.num_prefixes), "groups")
      ("prefix-repetition-output-len", po::value(&o.prefix_output_len)->default_value(o.prefix_output_len), "")
      ("seed", po::value(&o.seed)->default_value(o.seed), "seed of the workload and the arrival times")
      ("ignore-eos", po::bool_switch(&o.ignore_eos), "ask for exactly max_tokens tokens (on for random)");
  po::options_description traffic("Traffic");
  traffic.add_options()
      ("request-rate", po::value(&r.request_rate)->default_value("inf"), "requests per second, or inf (all at once)")
      ("burstiness", po::value(&o.burstiness)->default_value(o.burstiness), "gamma shape of arrival gaps (1: Poisson)")
      ("max-concurrency", po::value(&r.max_concurrency), "most requests in flight at once")
      ("num-warmups", po::value(&o.num_warmups)->default_value(o.num_warmups), "warm-up requests before the run")
      ("sweep", po::value(&r.sweep), "comma-separated --max-concurrency levels: one run each, and an SVG chart")
      ("timeout", po::value(&o.timeout_s)->default_value(o.timeout_s),
       "seconds the server may stay silent before the request fails and the run ends");
  po::options_description output("Output");
  output.add_options()
      ("percentile-metrics", po::value(&r.percentile_metrics), "ttft,tpot,itl,e2el (default: all four)")
      ("metric-percentiles", po::value(&r.metric_percentiles), "percentiles to report (default 90,99)")
      ("percentiles", po::value(&r.metric_percentiles), "the same as --metric-percentiles")
      ("save-result", po::bool_switch(&o.save_result), "write the result JSON")
      ("save-detailed", po::bool_switch(&r.save_detailed), "accepted for vLLM's sake: results are always detailed")
      ("result-dir", po::value(&o.result_dir), "folder for result files (default: the current one)")
      ("result-filename", po::value(&o.result_filename), "result file name (default as vLLM names it)")
      ("label", po::value(&o.label), "label (prefix) of result files (default: --backend)")
      ("metadata", po::value(&r.metadata)->multitoken(), "KEY=VALUE pairs recorded in the result")
      ("disable-tqdm", po::bool_switch(&o.disable_tqdm), "no progress bar")
      ("help,h", "show this help")
      ("version", "print the version");
  po::options_description all("llm-bench: benchmark an OpenAI-compatible server (as `vllm bench serve`)");
  // clang-format on
  all.add(where).add(workload).add(traffic).add(output);
  return all;
}

// Checks and converts what describe_options collected; vLLM's implied settings applied.
void finish_options(BenchOptions& o, const RawOptions& r, const po::variables_map& vm) {
  LLMC_CHECK(o.backend == "openai" || o.backend == "openai-chat")
      << "--backend must be openai or openai-chat, got '" << o.backend << "'";
  if (o.endpoint.empty()) o.endpoint = o.chat() ? "/v1/chat/completions" : "/v1/completions";
  if (o.dataset_name == "prefix_repetition") o.dataset_name = "prefix";
  LLMC_CHECK(o.dataset_name == "random" || o.dataset_name == "sharegpt" || o.dataset_name == "prefix")
      << "--dataset-name must be random, sharegpt or prefix, got '" << o.dataset_name << "'";
  LLMC_CHECK(o.dataset_name != "sharegpt" || !o.dataset_path.empty())
      << "--dataset-name sharegpt needs --dataset-path";
  LLMC_CHECK(o.dataset_name == "sharegpt" || o.dataset_path.empty())
      << "--dataset-path is only for --dataset-name sharegpt";
  if (r.input_len >= 0) o.random_input_len = r.input_len;
  if (r.output_len >= 0) {
    o.random_output_len = r.output_len;
    o.sharegpt_output_len = r.output_len;
    o.prefix_output_len = r.output_len;
  }
  // As vLLM: random prompts ask for exact lengths, whatever the model would say.
  if (o.dataset_name == "random") o.ignore_eos = true;
  LLMC_CHECK(o.num_prompts > 0) << "--num-prompts must be positive, got " << o.num_prompts;
  LLMC_CHECK(o.num_warmups >= 0) << "--num-warmups must not be negative";
  o.request_rate = parse_rate(r.request_rate);
  LLMC_CHECK(o.burstiness > 0) << "--burstiness must be positive, got " << o.burstiness;
  if (vm.count("max-concurrency")) {
    LLMC_CHECK(r.max_concurrency > 0) << "--max-concurrency must be positive, got " << r.max_concurrency;
    o.max_concurrency = r.max_concurrency;
  }
  for (const std::string& level : split_commas(r.sweep)) {
    const double v = parse_number(level, "--sweep");
    LLMC_CHECK(v >= 1 && v == std::floor(v)) << "--sweep levels are positive integers, got '" << level << "'";
    o.sweep.push_back(static_cast<int64_t>(v));
  }
  LLMC_CHECK(vm.count("sweep") == 0 || !o.sweep.empty()) << "--sweep needs levels, e.g. --sweep 1,2,4,8";
  LLMC_CHECK(o.timeout_s > 0) << "--timeout must be positive, got " << o.timeout_s;
  if (!r.percentile_metrics.empty()) o.percentile_metrics = split_commas(r.percentile_metrics);
  for (const std::string& m : o.percentile_metrics) {
    LLMC_CHECK(m == "ttft" || m == "tpot" || m == "itl" || m == "e2el")
        << "--percentile-metrics: unknown metric '" << m << "' (ttft, tpot, itl, e2el)";
  }
  if (!r.metric_percentiles.empty()) {
    o.metric_percentiles.clear();
    for (const std::string& p : split_commas(r.metric_percentiles)) {
      const double v = parse_number(p, "--metric-percentiles");
      LLMC_CHECK(v > 0 && v < 100) << "--metric-percentiles: " << p << " is not in (0, 100)";
      o.metric_percentiles.push_back(v);
    }
  }
  if (o.label.empty()) o.label = o.backend;
  for (const std::string& h : r.headers) o.headers.push_back(key_value(h, "--header"));
  for (const std::string& m : r.metadata) o.metadata.push_back(key_value(m, "--metadata"));
  if (!r.extra_body.empty()) {
    o.extra_body = nlohmann::json::parse(r.extra_body, nullptr, false);
    LLMC_CHECK(o.extra_body.is_object()) << "--extra-body must be a JSON object";
  }
  auto sampling = [&](const char* key, const auto& value) {
    if (value && !o.extra_body.contains(key)) o.extra_body[key] = *value;
  };
  sampling("temperature", r.temperature);
  sampling("top_p", r.top_p);
  sampling("top_k", r.top_k);
  sampling("min_p", r.min_p);
  sampling("frequency_penalty", r.frequency_penalty);
  sampling("presence_penalty", r.presence_penalty);
  sampling("repetition_penalty", r.repetition_penalty);
}

}  // namespace

std::optional<BenchOptions> parse_bench_options(int argc, const char* const* argv) {
  BenchOptions o;
  RawOptions r;
  const po::options_description all = describe_options(o, r);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    LLMC_FAIL() << e.what() << " (llm-bench --help lists the options)";
  }
  if (vm.count("help")) {
    std::cout << all << "\n";
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "llm-bench " << kLlmClusterVersion << "\n";
    return std::nullopt;
  }

  finish_options(o, r, vm);
  return o;
}

}  // namespace llmc::bench
