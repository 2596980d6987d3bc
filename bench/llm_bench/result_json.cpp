#include "bench/llm_bench/result_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

namespace llmc::bench {

using ordered_json = nlohmann::ordered_json;

std::string python_float(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string timestamp_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

ordered_json result_json(const ResultInfo& info, const BenchmarkMetrics& m,
                         std::span<const RequestOutput> outputs) {
  ordered_json r;
  r["date"] = info.date;
  r["endpoint_type"] = info.backend;
  r["backend"] = info.backend;
  r["label"] = info.label;
  r["model_id"] = info.model_id;
  r["tokenizer_id"] = info.tokenizer_id;
  r["num_prompts"] = info.num_prompts;
  for (const auto& [k, v] : info.metadata) r[k] = v;
  r["request_rate"] = std::isinf(info.request_rate) ? ordered_json("inf") : ordered_json(info.request_rate);
  r["burstiness"] = info.burstiness;
  r["max_concurrency"] = info.max_concurrency ? ordered_json(*info.max_concurrency) : ordered_json(nullptr);
  r["duration"] = info.duration_s;
  r["completed"] = m.completed;
  r["failed"] = m.failed;
  r["total_input_tokens"] = m.total_input;
  r["total_output_tokens"] = m.total_output;
  r["request_throughput"] = m.request_throughput;
  r["request_goodput"] = nullptr;
  r["output_throughput"] = m.output_throughput;
  r["total_token_throughput"] = m.total_token_throughput;
  ordered_json input_lens = ordered_json::array(), ttfts = ordered_json::array(),
               itls = ordered_json::array(), latencies = ordered_json::array(),
               start_times = ordered_json::array(), queue_times = ordered_json::array(),
               texts = ordered_json::array(), errors = ordered_json::array(), cached = ordered_json::array(),
               requested = ordered_json::array();
  for (const RequestOutput& o : outputs) {
    input_lens.push_back(o.prompt_len);
    ttfts.push_back(o.ttft);
    itls.push_back(o.itl);
    latencies.push_back(o.latency);
    start_times.push_back(o.start_time);
    queue_times.push_back(o.client_queue_time);
    texts.push_back(o.generated_text);
    errors.push_back(o.error);
    cached.push_back(o.cached_tokens);
    requested.push_back(o.expected_output_len);
  }
  r["input_lens"] = std::move(input_lens);
  r["output_lens"] = m.output_lens;
  r["ttfts"] = std::move(ttfts);
  r["itls"] = std::move(itls);
  r["latencies"] = std::move(latencies);
  r["start_times"] = std::move(start_times);
  r["queue_times"] = std::move(queue_times);
  r["generated_texts"] = std::move(texts);
  r["errors"] = std::move(errors);
  r["max_output_tokens_per_s"] = m.max_output_tokens_per_s;
  r["max_concurrent_requests"] = m.max_concurrent_requests;
  const std::pair<const char*, const MetricStats*> blocks[] = {
      {"ttft", &m.ttft}, {"tpot", &m.tpot}, {"itl", &m.itl}, {"e2el", &m.e2el}};
  for (const auto& [key, stats] : blocks) {
    if (std::find(info.percentile_metrics.begin(), info.percentile_metrics.end(), key) ==
        info.percentile_metrics.end())
      continue;
    const std::string k = key;
    r["mean_" + k + "_ms"] = stats->mean_ms;
    r["median_" + k + "_ms"] = stats->median_ms;
    r["std_" + k + "_ms"] = stats->std_ms;
    for (const auto& [p, v] : stats->percentiles_ms) r[percentile_key(p, k)] = v;
  }
  // Ours, after vLLM's fields.
  r["dataset_name"] = info.dataset_name;
  r["requested_output_lens"] = std::move(requested);
  r["cached_tokens"] = std::move(cached);
  r["total_cached_tokens"] = m.total_cached_tokens;
  r["stopped"] = info.stopped.empty() ? ordered_json(nullptr) : ordered_json(info.stopped);
  return r;
}

std::filesystem::path result_path(const ResultInfo& info, const std::string& filename,
                                  const std::string& dir) {
  std::string name = filename;
  if (name.empty()) {
    std::string model = info.model_id;
    while (!model.empty() && model.back() == '/') model.pop_back();
    model = model.substr(model.find_last_of('/') == std::string::npos ? 0 : model.find_last_of('/') + 1);
    name = info.label + "-" + python_float(info.request_rate) + "qps" +
           (info.max_concurrency ? "-concurrency" + std::to_string(*info.max_concurrency) : "") + "-" +
           model + "-" + info.date + ".json";
  }
  if (dir.empty()) return name;
  std::filesystem::create_directories(dir);
  return std::filesystem::path(dir) / name;
}

}  // namespace llmc::bench
