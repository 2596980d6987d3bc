// llm-bench: benchmarks an OpenAI-compatible server the way `vllm bench serve` does (see README.md and
// docs/benchmarking.md). Exit status: 0 after a run (failed requests are reported, not fatal), 1 when the run
// stopped because the server stopped answering, 2 for a usage or setup error.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench/llm_bench/bench_options.h"
#include "bench/llm_bench/benchmark_runner.h"
#include "bench/llm_bench/dataset.h"
#include "bench/llm_bench/metrics.h"
#include "bench/llm_bench/result_json.h"
#include "bench/llm_bench/summary_table.h"
#include "bench/llm_bench/sweep_chart.h"
#include "common/check.h"

namespace llmc::bench {
namespace {

namespace fs = std::filesystem;

bool has_tokenizer(const std::string& dir) {
  return !dir.empty() && fs::exists(fs::path(dir) / "tokenizer.json");
}

std::vector<SampleRequest> make_dataset(const BenchOptions& o, const Tokenizer& tokenizer, uint64_t seed) {
  if (o.dataset_name == "sharegpt") {
    return sharegpt_dataset(tokenizer, {o.dataset_path, o.num_prompts, o.sharegpt_output_len, seed});
  }
  if (o.dataset_name == "prefix") {
    return prefix_dataset(
        tokenizer, {o.num_prompts, o.prefix_len, o.suffix_len, o.num_prefixes, o.prefix_output_len, seed});
  }
  return random_dataset(tokenizer, {o.num_prompts, o.random_input_len, o.random_output_len,
                                    o.random_range_ratio, o.random_prefix_len, seed});
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  LLMC_CHECK(out.good()) << "cannot write " << path.string();
}

Headers request_headers(const BenchOptions& o) {
  Headers headers;
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key) {
    headers.emplace_back("Authorization", std::string("Bearer ") + key);
  }
  for (const auto& h : o.headers) headers.push_back(h);
  return headers;
}

// GET /v1/models: the first model's id (its name in requests) and root (often its folder).
std::pair<std::string, std::string> first_model(HttpStreamClient& client, const HttpUrl& url,
                                                const Headers& headers) {
  std::cout << "Model not specified, fetching first model from server...\n";
  const auto [status, body] = client.fetch("GET", url.path + "/v1/models", "", headers);
  LLMC_CHECK(status == 200) << "GET /v1/models: " << body;
  const auto models = nlohmann::json::parse(body, nullptr, false);
  LLMC_CHECK(models.is_object() && models.contains("data") && models["data"].is_array() &&
             !models["data"].empty())
      << "GET /v1/models returned no model";
  std::pair<std::string, std::string> m{models["data"][0].value("id", ""),
                                        models["data"][0].value("root", "")};
  std::cout << "First model name: " << m.first << ", first model id: " << m.second << "\n";
  return m;
}

void warm_up(HttpStreamClient& client, RunConfig config, const BenchOptions& o, const SampleRequest& first) {
  std::cout << "Warming up with " << o.num_warmups << " requests...\n";
  config.request_rate = std::numeric_limits<double>::infinity();
  config.max_concurrency = o.max_concurrency;
  config.progress = false;
  const std::vector<SampleRequest> copies(static_cast<size_t>(o.num_warmups), first);
  const RunResult r = run_benchmark(client, config, copies);
  LLMC_CHECK(r.stopped.empty()) << "warm-up: " << r.stopped;
  int64_t failed = 0;
  for (const RequestOutput& out : r.outputs) failed += out.success ? 0 : 1;
  if (failed > 0) std::cout << "Warm-up: " << failed << " of " << o.num_warmups << " requests failed\n";
  std::cout << "Warmup run completed.\n";
}

// One measured run at one concurrency level: table on stdout, result file with --save-result.
RunResult run_level(HttpStreamClient& client, RunConfig config, const BenchOptions& o,
                    const Tokenizer& tokenizer, std::span<const SampleRequest> requests,
                    const ResultInfo& base, BenchmarkMetrics& metrics) {
  std::cout << "Traffic request rate: " << python_float(o.request_rate) << "\n"
            << "Burstiness factor: " << python_float(o.burstiness) << " ("
            << (o.burstiness == 1.0 ? "Poisson process" : "Gamma distribution") << ")\n"
            << "Maximum request concurrency: "
            << (config.max_concurrency ? std::to_string(*config.max_concurrency) : "None") << std::endl;
  RunResult r = run_benchmark(client, config, requests);
  bool warned = false;
  for (RequestOutput& out : r.outputs) {
    if (!out.success || out.usage_seen) continue;
    // As vLLM when a server sends no usage: count the text's tokens (may differ from what it generated).
    if (!warned) std::cout << "WARNING: the server sent no usage; output tokens counted from the text\n";
    warned = true;
    out.output_tokens = static_cast<int64_t>(tokenizer.encode(out.generated_text, false).size());
  }
  metrics = calculate_metrics(r.outputs, r.duration_s, o.metric_percentiles);
  std::cout << format_summary(
      metrics, r.outputs,
      {r.duration_s, o.request_rate, config.max_concurrency, o.percentile_metrics, r.stopped});
  if (o.save_result) {
    ResultInfo info = base;
    info.max_concurrency = config.max_concurrency;
    info.duration_s = r.duration_s;
    info.stopped = r.stopped;
    std::string name = o.result_filename;
    if (!name.empty() && !o.sweep.empty()) {  // one file per level
      name = fs::path(name).stem().string() + "-concurrency" + std::to_string(*config.max_concurrency) +
             fs::path(name).extension().string();
    }
    const fs::path path = result_path(info, name, o.result_dir);
    write_file(path, result_json(info, metrics, r.outputs).dump() + "\n");
    std::cout << "Result saved to " << path.string() << "\n";
  }
  return r;
}

void write_sweep(const BenchOptions& o, ResultInfo info, std::span<const SweepPoint> points) {
  info.label += "-sweep";
  info.max_concurrency.reset();
  const fs::path json_path = result_path(info, "", o.result_dir);
  fs::path svg_path = json_path;
  svg_path.replace_extension(".svg");
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const SweepPoint& p : points) {
    const BenchmarkMetrics& m = p.metrics;
    nlohmann::ordered_json row = {{"max_concurrency", p.concurrency},
                                  {"completed", m.completed},
                                  {"failed", m.failed},
                                  {"request_throughput", m.request_throughput},
                                  {"output_throughput", m.output_throughput},
                                  {"total_token_throughput", m.total_token_throughput}};
    const std::pair<const char*, const MetricStats*> blocks[] = {
        {"ttft", &m.ttft}, {"tpot", &m.tpot}, {"itl", &m.itl}, {"e2el", &m.e2el}};
    for (const auto& [k, st] : blocks) {
      row[std::string("median_") + k + "_ms"] = st->median_ms;
      for (const auto& [pc, v] : st->percentiles_ms) row[percentile_key(pc, k)] = v;
    }
    rows.push_back(std::move(row));
  }
  write_file(json_path, rows.dump(2) + "\n");
  write_file(svg_path, sweep_chart_svg(points, o.percentile_metrics,
                                       "llm-bench sweep: " + info.model_id + " (" + o.dataset_name + ", " +
                                           std::to_string(o.num_prompts) + " prompts per level)"));
  std::cout << "Sweep summary saved to " << json_path.string() << "\nSweep chart saved to "
            << svg_path.string() << "\n";
}

int run(const BenchOptions& o) {
  const HttpUrl url =
      parse_http_url(o.base_url.empty() ? "http://" + o.host + ":" + std::to_string(o.port) : o.base_url);
  HttpStreamClient client(url.host, url.port, std::chrono::duration<double>(o.timeout_s),
                          std::chrono::steady_clock::now());
  const Headers headers = request_headers(o);
  auto [model, model_root] =
      o.model.empty() ? first_model(client, url, headers) : std::pair{o.model, std::string()};
  std::string tokenizer_dir = o.tokenizer;
  if (tokenizer_dir.empty()) tokenizer_dir = has_tokenizer(model) ? model : model_root;
  LLMC_CHECK(has_tokenizer(tokenizer_dir))
      << "no tokenizer: pass --tokenizer DIR (a folder with tokenizer.json), or a model folder as --model";
  const std::unique_ptr<Tokenizer> tokenizer = Tokenizer::from_dir(tokenizer_dir);

  RunConfig config;
  config.kind = o.chat() ? ApiKind::kChat : ApiKind::kCompletions;
  config.target = url.path + o.endpoint;
  config.model_name = o.served_model_name.empty() ? model : o.served_model_name;
  config.headers = headers;
  config.extra_body = o.extra_body;
  config.ignore_eos = o.ignore_eos;
  config.request_rate = o.request_rate;
  config.burstiness = o.burstiness;
  config.seed = o.seed;
  config.progress = !o.disable_tqdm;

  std::vector<std::optional<int64_t>> levels;
  if (o.sweep.empty()) levels.push_back(o.max_concurrency);
  for (int64_t c : o.sweep) levels.emplace_back(c);
  const ResultInfo base{timestamp_now(),
                        o.backend,
                        o.label,
                        model,
                        tokenizer_dir,
                        o.dataset_name,
                        o.num_prompts,
                        o.request_rate,
                        o.burstiness,
                        std::nullopt,
                        o.metadata,
                        o.percentile_metrics,
                        0.0,
                        ""};
  std::vector<SweepPoint> points;
  for (size_t k = 0; k < levels.size(); ++k) {
    // Each sweep level gets its own prompts (seed + k): the previous level's must not be served from the
    // prefix cache it filled, or later levels would look faster than they are.
    const std::vector<SampleRequest> requests = make_dataset(o, *tokenizer, o.seed + k);
    if (k == 0 && o.num_warmups > 0) warm_up(client, config, o, requests.front());
    config.max_concurrency = levels[k];
    BenchmarkMetrics metrics;
    const RunResult r = run_level(client, config, o, *tokenizer, requests, base, metrics);
    if (!r.stopped.empty()) {
      std::cerr << "llm-bench: the run stopped: " << r.stopped << "\n";
      return 1;
    }
    if (levels[k]) points.push_back({*levels[k], metrics});
  }
  if (!o.sweep.empty()) write_sweep(o, base, points);
  return 0;
}

}  // namespace
}  // namespace llmc::bench

int main(int argc, char** argv) {
  try {
    const auto options = llmc::bench::parse_bench_options(argc, argv);
    if (!options) return 0;
    return llmc::bench::run(*options);
  } catch (const std::exception& e) {
    std::cerr << "llm-bench: error: " << e.what() << "\n";
    return 2;
  }
}
