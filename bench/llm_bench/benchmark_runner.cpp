#include "bench/llm_bench/benchmark_runner.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "bench/llm_bench/arrival_schedule.h"
#include "bench/llm_bench/progress_bar.h"
#include "bench/llm_bench/sse_splitter.h"

namespace llmc::bench {

nlohmann::json request_body(const RunConfig& config, const SampleRequest& request) {
  nlohmann::json body = {{"model", config.model_name}};
  if (config.kind == ApiKind::kChat) {
    body["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", request.prompt}}});
    body["max_completion_tokens"] = request.expected_output_len;
  } else {
    body["prompt"] = request.prompt;
    body["max_tokens"] = request.expected_output_len;
  }
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  if (config.ignore_eos) body["ignore_eos"] = true;
  for (const auto& [key, value] : config.extra_body.items()) body[key] = value;
  return body;
}

namespace {

// What the I/O thread hands back to the run loop.
struct Completions {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<size_t> finished;
  std::vector<RequestOutput> outputs;
  std::vector<bool> timed_out;
};

void start_request(HttpStreamClient& client, const RunConfig& config, const SampleRequest& request,
                   size_t index, double arrival, Completions& shared) {
  struct State {
    StreamRecorder recorder;
    SseSplitter splitter;
  };
  const double start = client.now();
  auto state = std::make_shared<State>(
      State{StreamRecorder(config.kind, start, request.prompt_len, request.expected_output_len), {}});
  StreamCallbacks cb;
  cb.on_body = [state](std::string_view bytes, double now) {
    for (const std::string& message : state->splitter.feed(bytes)) state->recorder.on_message(message, now);
  };
  cb.on_done = [state, index, arrival, start, &shared, &client](const HttpOutcome& outcome) {
    if (outcome.error.empty()) {
      // A last message without its blank line still counts.
      for (const std::string& message : state->splitter.feed("\n\n"))
        state->recorder.on_message(message, client.now());
    } else {
      state->recorder.fail(outcome.error, outcome.status);
    }
    RequestOutput out = state->recorder.finish();
    if (out.http_status == 0) out.http_status = outcome.status;
    out.client_queue_time = start - arrival;
    std::lock_guard lock(shared.mutex);
    shared.outputs[index] = std::move(out);
    shared.timed_out[index] = outcome.timed_out;
    shared.finished.push_back(index);
    shared.cv.notify_one();
  };
  client.request("POST", config.target,
                 request_body(config, request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                 config.headers, std::move(cb));
}

}  // namespace

RunResult run_benchmark(HttpStreamClient& client, const RunConfig& config,
                        std::span<const SampleRequest> requests) {
  const size_t n = requests.size();
  const std::vector<double> arrivals =
      arrival_times(static_cast<int64_t>(n), config.request_rate, config.burstiness, config.seed);
  Completions shared;
  shared.outputs.resize(n);
  shared.timed_out.assign(n, false);
  ProgressBar bar(static_cast<int64_t>(n), config.progress);
  RunResult result;

  const double t0 = client.now();
  size_t next = 0, done = 0;
  int64_t in_flight = 0;
  std::deque<std::pair<size_t, double>> waiting;  // arrived, waiting for a concurrency slot
  bool stopping = false;
  while (done < n) {
    const double now = client.now();
    if (!stopping) {
      while (next < n && t0 + arrivals[next] <= now) waiting.emplace_back(next++, now);
      while (!waiting.empty() && (!config.max_concurrency || in_flight < *config.max_concurrency)) {
        const auto [i, arrived] = waiting.front();
        waiting.pop_front();
        ++in_flight;
        start_request(client, config, requests[i], i, arrived, shared);
      }
    }
    std::unique_lock lock(shared.mutex);
    if (shared.finished.empty()) {
      const double wait_s = !stopping && next < n ? t0 + arrivals[next] - now : 3600.0;
      shared.cv.wait_for(lock, std::chrono::duration<double>(std::max(0.0, wait_s)),
                         [&] { return !shared.finished.empty(); });
    }
    std::string stop_now;
    while (!shared.finished.empty()) {
      const size_t i = shared.finished.front();
      shared.finished.pop_front();
      --in_flight;
      ++done;
      if (shared.timed_out[i] && !stopping && stop_now.empty()) stop_now = shared.outputs[i].error;
    }
    lock.unlock();
    bar.update(static_cast<int64_t>(done), client.now() - t0);
    if (!stop_now.empty()) {
      stopping = true;
      result.stopped = "the server stopped answering: " + stop_now;
      // Unlocked: cancel_all waits for the I/O thread, whose callbacks take the lock.
      client.cancel_all("cancelled: the run stopped because the server stopped answering");
      const std::string not_sent = "not sent: the run stopped because the server stopped answering";
      auto mark = [&](size_t i) {
        RequestOutput o;
        o.error = not_sent;
        o.prompt_len = requests[i].prompt_len;
        o.expected_output_len = requests[i].expected_output_len;
        shared.outputs[i] = std::move(o);
        ++done;
      };
      std::lock_guard relock(shared.mutex);
      for (const auto& w : waiting) mark(w.first);
      waiting.clear();
      for (; next < n; ++next) mark(next);
    }
  }
  result.duration_s = std::max(client.now() - t0, 1e-9);
  result.outputs = std::move(shared.outputs);
  return result;
}

}  // namespace llmc::bench
