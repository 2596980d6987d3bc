// Prometheus text exposition of the engine metrics, with vLLM's metric names so existing dashboards work.
#include <charconv>
#include <cmath>

#include "runtime/head/http/simple_endpoints.h"

namespace llmc::http_api {
namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string escape_label(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Writer {
 public:
  explicit Writer(const std::string& model) : labels_("model_name=\"" + escape_label(model) + "\"") {}

  void header(const std::string& name, const char* type, const char* help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, double value, const std::string& extra_labels = "") {
    out_ +=
        name + "{" + labels_ + (extra_labels.empty() ? "" : "," + extra_labels) + "} " + number(value) + "\n";
  }
  void gauge(const std::string& name, const char* help, double value) {
    header(name, "gauge", help);
    sample(name, value);
  }
  void counter(const std::string& name, const char* help, double value) {
    header(name, "counter", help);
    sample(name, value);
  }
  // The snapshot's counts are per bucket; Prometheus buckets are cumulative.
  void histogram(const std::string& name, const char* help, const HistogramSnapshot& h) {
    header(name, "histogram", help);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h.bounds.size(); ++i) {
      cumulative += i < h.counts.size() ? h.counts[i] : 0;
      sample(name + "_bucket", static_cast<double>(cumulative), "le=\"" + number(h.bounds[i]) + "\"");
    }
    sample(name + "_bucket", static_cast<double>(h.count), "le=\"+Inf\"");
    sample(name + "_sum", h.sum);
    sample(name + "_count", static_cast<double>(h.count));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string labels_;
  std::string out_;
};

}  // namespace

std::string prometheus_text(const MetricsSnapshot& m, const std::string& model_name,
                            const HttpCounters& http) {
  Writer w(model_name);
  w.gauge("vllm:num_requests_running", "Requests running on the engine (sequences in the batch).",
          m.num_running);
  w.gauge("vllm:num_requests_waiting", "Requests waiting to be scheduled, preempted ones included.",
          m.num_waiting);
  w.gauge("vllm:kv_cache_usage_perc", "Fraction of KV-cache blocks in use (1 = full).", m.kv_usage);
  w.gauge("llmc:engine_seconds_since_last_step",
          "Seconds since the engine last completed a step (or last found nothing to do).",
          m.seconds_since_last_step);
  w.gauge("llmc:engine_stalled",
          "1 while work waits and no step completed within the step deadline (/health answers 503).",
          m.stalled ? 1.0 : 0.0);
  w.counter("vllm:num_preemptions_total", "Preemptions of running sequences.",
            static_cast<double>(m.num_preemptions));
  w.counter("vllm:prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.",
            static_cast<double>(m.prefix_cache_queries));
  w.counter("vllm:prefix_cache_hits_total", "Prompt tokens served by the prefix cache.",
            static_cast<double>(m.prefix_cache_hits));
  w.counter("vllm:prompt_tokens_total", "Prompt tokens processed.", static_cast<double>(m.prompt_tokens));
  w.counter("vllm:generation_tokens_total", "Tokens generated.", static_cast<double>(m.generation_tokens));
  w.header("vllm:request_success_total", "counter", "Finished requests by finish reason.");
  for (const FinishReason r :
       {FinishReason::kStop, FinishReason::kLength, FinishReason::kAbort, FinishReason::kError}) {
    w.sample("vllm:request_success_total", static_cast<double>(m.finished_by_reason[static_cast<size_t>(r)]),
             std::string("finished_reason=\"") + finish_reason_name(r) + "\"");
  }
  w.header("llmc:requests_rejected_total", "counter", "Requests the engine refused at submit, by reason.");
  w.sample("llmc:requests_rejected_total", static_cast<double>(m.rejected_overloaded),
           "reason=\"overloaded\"");
  w.sample("llmc:requests_rejected_total", static_cast<double>(m.rejected_invalid), "reason=\"invalid\"");
  w.header("llmc:http_responses_total", "counter", "HTTP responses by status class.");
  for (int c = 1; c <= 5; ++c) {
    w.sample("llmc:http_responses_total", static_cast<double>(http.by_status[c]),
             "code=\"" + std::to_string(c) + "xx\"");
  }
  w.histogram("vllm:time_to_first_token_seconds", "Time to first token.", m.time_to_first_token);
  w.histogram("vllm:inter_token_latency_seconds", "Time between consecutive output tokens.",
              m.inter_token_latency);
  w.histogram("vllm:e2e_request_latency_seconds", "Arrival to finish of a request.", m.e2e_latency);
  w.histogram("vllm:request_queue_time_seconds", "Arrival to first scheduling of a request.", m.queue_time);
  w.histogram("vllm:request_prompt_tokens", "Prompt tokens of finished requests.", m.request_prompt_tokens);
  w.histogram("vllm:request_generation_tokens", "Generated tokens of finished requests (all n sequences).",
              m.request_generation_tokens);
  return w.take();
}

}  // namespace llmc::http_api
