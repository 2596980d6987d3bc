// A real HttpServer on an ephemeral 127.0.0.1 port: a real engine on the llama3-vocab fixture (compared with
// the transformers reference), and an engine on controllable fake workers for overload and engine death.
#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>
#include <tuple>

#include "../engine/fixture_models.h"
#include "engine/model/shard_spec.h"
#include "runtime/head/http/http_server.h"
#include "runtime/head/http/text_stream_adapter.h"
#include "runtime/worker/in_process_executor.h"
#include "runtime/worker/worker_setup.h"
#include "tests/unit/head/fake_workers.h"
#include "tests/unit/http/test_client.h"
#include "tests/unit/http/test_model.h"

namespace llmc::http_test {
namespace {

using nlohmann::json;

// Fake workers whose results can be held back (a busy engine) or that fail (a dead one).
class GatedExecutor final : public Executor {
 public:
  struct Control {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = true;
    bool fail = false;
    bool wedge = false;  // while closed, hold the engine thread in collect past its deadline (a deadlock)
    void set_open(bool o) {
      std::lock_guard lock(mutex);
      open = o;
      cv.notify_all();
    }
  };
  explicit GatedExecutor(std::shared_ptr<Control> control)
      : control_(std::move(control)), workers_(256, 16) {}
  void submit(const StepPlan& plan) override {
    if (control_->fail) throw Error("worker 1 lost its GPU");
    plans_.push_back(plan);
  }
  std::optional<StepResult> collect(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(control_->mutex);
    if (control_->wedge && !plans_.empty()) control_->cv.wait(lock, [&] { return control_->open; });
    if (plans_.empty() || !control_->cv.wait_until(lock, deadline, [&] { return control_->open; }))
      return std::nullopt;
    StepResult r = workers_.run(plans_.front());
    plans_.erase(plans_.begin());
    return r;
  }

 private:
  std::shared_ptr<Control> control_;
  test::FakeWorkers workers_;
  std::vector<StepPlan> plans_;
};

// An engine + server pair; the server runs on its own thread until the fixture ends.
class Served {
 public:
  // Real model when `gate` is null; fake workers otherwise.
  Served(HttpServerOptions options, std::shared_ptr<GatedExecutor::Control> gate = nullptr,
         int32_t max_queued = 1024, std::chrono::milliseconds step_timeout = std::chrono::seconds(30)) {
    ServedModel model = test_model(512);
    EngineConfig c;
    c.scheduler.max_model_len = 512;
    c.max_num_queued_requests = max_queued;
    c.seed = 1;
    c.step_timeout = step_timeout;
    std::unique_ptr<Executor> executor;
    int32_t blocks = 256;
    if (gate) {
      executor = std::make_unique<GatedExecutor>(std::move(gate));
    } else {
      WorkerOptions w;
      w.model_dir = model_dir();
      w.max_model_len = 512;
      w.kv_cache_bytes = int64_t{16} << 20;
      w.threads = 1;
      config_ = ModelConfig::from_file(w.model_dir / "config.json");
      worker_ = std::make_unique<Worker>(w, config_, single_process_shard(config_), tp_, nullptr, true);
      blocks = static_cast<int32_t>(worker_->num_kv_blocks());
      c.vocab_size = static_cast<int32_t>(config_.vocab_size);
      c.text_streams = make_text_stream_factory(model.tokenizer);
      executor = std::make_unique<InProcessExecutor>(worker_->take_runner());
    }
    tokenizer_ = model.tokenizer;
    engine_ = std::make_unique<EngineLoop>(c, blocks, std::move(executor));
    engine_->start();
    options.host = "127.0.0.1";
    options.port = 0;
    options.handle_signals = false;
    options.io_threads = 2;
    server_ = std::make_unique<HttpServer>(*engine_, std::move(model), options);
    thread_ = std::thread([this] { server_->run_until_shutdown(); });
  }
  ~Served() { stop(); }
  void stop() {
    if (thread_.joinable()) {
      server_->request_shutdown();
      thread_.join();
    }
    server_.reset();
    if (engine_) engine_->stop();
  }
  uint16_t port() const { return server_->port(); }
  EngineLoop& engine() { return *engine_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  HttpServer& server() { return *server_; }
  std::thread& thread() { return thread_; }

 private:
  ModelConfig config_;
  SingleRankCommunicator tp_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::unique_ptr<EngineLoop> engine_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

HttpServerOptions quick_options() {
  HttpServerOptions o;
  o.shutdown_timeout = std::chrono::seconds(5);
  return o;
}

// Polls `done` every 20 ms for up to 20 s.
template <typename F>
bool eventually(F&& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void expect_openai_error(const ClientResponse& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  const json body = json::parse(r.body);
  ASSERT_TRUE(body.contains("error")) << r.body;
  for (const char* key : {"message", "type", "param", "code"})
    EXPECT_TRUE(body["error"].contains(key)) << key;
  EXPECT_TRUE(body["error"]["message"].is_string());
}

TEST(HttpServer, SimpleEndpoints) {
  Served s(quick_options());
  const ClientResponse models = http_request(s.port(), "GET", "/v1/models");
  EXPECT_EQ(models.status, 200);
  EXPECT_EQ(models.headers.at("content-type"), "application/json");
  const json m = json::parse(models.body);
  EXPECT_EQ(m["object"], "list");
  EXPECT_EQ(m["data"][0]["id"], "tiny");
  EXPECT_EQ(m["data"][1]["id"], "tiny-alias");
  EXPECT_EQ(http_request(s.port(), "GET", "/health").status, 200);
  EXPECT_EQ(http_request(s.port(), "GET", "/ping").status, 200);
  EXPECT_EQ(json::parse(http_request(s.port(), "GET", "/version").body)["version"], "0.1.0");
  const ClientResponse metrics = http_request(s.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("vllm:num_requests_running{model_name=\"tiny\"} 0"), std::string::npos)
      << metrics.body;
  expect_openai_error(http_request(s.port(), "GET", "/v2/nothing"), 404);
  expect_openai_error(http_request(s.port(), "GET", "/v1/completions"), 405);
  expect_openai_error(http_request(s.port(), "POST", "/v1/completions", "{\"prompt\": "), 400);
  expect_openai_error(http_request(s.port(), "POST", "/v1/completions", "{\"prompt\":\"a\",\"model\":\"x\"}"),
                      404);
  expect_openai_error(http_request(s.port(), "POST", "/v1/chat/completions", "{\"messages\":[]}"), 400);
  expect_openai_error(
      http_request(s.port(), "POST", "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":600}"), 400);
  const ClientResponse tok = http_request(s.port(), "POST", "/tokenize", "{\"prompt\":\"Hello world\"}");
  EXPECT_EQ(json::parse(tok.body)["tokens"], json({128000, 9906, 1917}));
}

TEST(HttpServer, GreedyCompletionMatchesTransformersStreamedOrNot) {
  Served s(quick_options());
  const json ref = testing::load_reference("llama3-vocab");
  const std::vector<int32_t> prompt = ref["cases"][1]["prompt_ids"];
  const std::vector<int32_t> greedy = ref["cases"][1]["greedy_ids"];
  std::vector<int32_t> all = prompt;
  all.insert(all.end(), greedy.begin(), greedy.end());
  const std::string prompt_text = s.tokenizer().decode(prompt, true, false);
  const std::string full_text = s.tokenizer().decode(all, true, false);
  ASSERT_EQ(full_text.compare(0, prompt_text.size(), prompt_text), 0);
  const std::string expected = full_text.substr(prompt_text.size());

  json body = {{"model", "tiny"},  {"prompt", prompt},   {"max_tokens", greedy.size()},
               {"temperature", 0}, {"ignore_eos", true}, {"logprobs", 0}};
  const ClientResponse plain = http_request(s.port(), "POST", "/v1/completions", body.dump());
  ASSERT_EQ(plain.status, 200) << plain.body;
  const json r = json::parse(plain.body);
  EXPECT_EQ(r["choices"][0]["text"], expected);
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["completion_tokens"], greedy.size());
  EXPECT_EQ(r["usage"]["prompt_tokens"], prompt.size());
  ASSERT_EQ(r["choices"][0]["logprobs"]["tokens"].size(), greedy.size());
  for (size_t i = 0; i < greedy.size(); ++i) {
    const std::string token = s.tokenizer().decode(std::vector<int32_t>{greedy[i]}, false, false);
    EXPECT_EQ(r["choices"][0]["logprobs"]["tokens"][i], token) << i;
    EXPECT_LE(r["choices"][0]["logprobs"]["token_logprobs"][i].get<double>(), 0.0);
  }

  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  const ClientResponse streamed = http_request(s.port(), "POST", "/v1/completions", body.dump());
  ASSERT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.headers.at("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(streamed.headers.at("transfer-encoding"), "chunked");
  const std::vector<std::string> events = sse_payloads(streamed.body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 2 < events.size(); ++i)
    text += json::parse(events[i])["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(text, expected);
  EXPECT_EQ(json::parse(events[events.size() - 2])["usage"]["completion_tokens"], greedy.size());
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  Served s(quick_options());
  Connection c(s.port());
  for (int i = 0; i < 3; ++i) {
    c.send_request("POST", "/v1/chat/completions",
                   json({{"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"max_tokens", 2}}).dump());
    const ClientResponse r = c.read_response();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["choices"][0]["message"]["role"], "assistant");
  }
  // Two requests written back to back (pipelined) are answered in order.
  c.send_request("GET", "/v1/models");
  c.send_request("GET", "/version");
  EXPECT_EQ(json::parse(c.read_response().body)["object"], "list");
  EXPECT_TRUE(json::parse(c.read_response().body).contains("version"));
}

TEST(HttpServer, ApiKeyCorsAndBodyLimit) {
  HttpServerOptions o = quick_options();
  o.api_key = "sk-test";
  o.allowed_origins = {"http://ui.example"};
  o.max_body_bytes = 4096;
  Served s(o);
  expect_openai_error(http_request(s.port(), "GET", "/v1/models"), 401);
  expect_openai_error(http_request(s.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer nope"}}),
                      401);
  EXPECT_EQ(http_request(s.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer sk-test"}}).status,
            200);
  EXPECT_EQ(http_request(s.port(), "GET", "/health").status, 200);
  EXPECT_EQ(http_request(s.port(), "GET", "/ping").status, 200);
  // Every other route needs the key: without it 401 before anything runs, with it the route's own answer.
  const std::string generate = json({{"prompt", "Hello"}, {"max_tokens", 1}}).dump();
  const std::string tokenize = json({{"prompt", "Hello"}}).dump();
  const std::string detokenize = json({{"tokens", {9906}}}).dump();
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/metrics", ""},
           {"GET", "/version", ""},
           {"POST", "/tokenize", tokenize},
           {"POST", "/detokenize", detokenize},
           {"POST", "/generate", generate},
           {"POST", "/v1/completions", generate}}) {
    expect_openai_error(http_request(s.port(), method, path, body), 401);
    EXPECT_EQ(http_request(s.port(), method, path, body, {{"Authorization", "Bearer sk-test"}}).status, 200)
        << path;
  }
  const ClientResponse cors =
      http_request(s.port(), "GET", "/v1/models", "",
                   {{"Authorization", "Bearer sk-test"}, {"Origin", "http://ui.example"}});
  EXPECT_EQ(cors.headers.at("access-control-allow-origin"), "http://ui.example");
  const ClientResponse pre =
      http_request(s.port(), "OPTIONS", "/v1/chat/completions", "",
                   {{"Origin", "http://ui.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 200);  // no key needed for a preflight
  EXPECT_EQ(pre.headers.at("access-control-allow-origin"), "http://ui.example");
  Connection big(s.port());
  big.send_request("POST", "/v1/completions", std::string(100000, ' '),
                   {{"Authorization", "Bearer sk-test"}});
  const ClientResponse r = big.read_response();
  expect_openai_error(r, 413);
  EXPECT_EQ(r.headers.at("connection"), "close");
}

TEST(HttpServer, DisableMetricsAuthOpensMetricsOnly) {
  HttpServerOptions o = quick_options();
  o.api_key = "sk-test";
  o.metrics_without_api_key = true;
  Served s(o);
  const ClientResponse m = http_request(s.port(), "GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("vllm:num_requests_running"), std::string::npos);
  expect_openai_error(http_request(s.port(), "POST", "/tokenize", json({{"prompt", "x"}}).dump()), 401);
  expect_openai_error(http_request(s.port(), "GET", "/v1/models"), 401);
}

TEST(HttpServer, ClientThatLeavesMidStreamIsAbortedAndItsBlocksFreed) {
  Served s(quick_options());
  {
    Connection c(s.port());
    c.send_request(
        "POST", "/v1/completions",
        json({{"prompt", "Hello"}, {"max_tokens", 480}, {"ignore_eos", true}, {"stream", true}}).dump());
    std::string got;
    while (got.find("\"text\"") == std::string::npos) got += c.read_some();  // the stream has started
  }                                                                          // closed mid-stream
  {
    Connection c(s.port());  // a non-streaming client that leaves before anything is written
    c.send_request("POST", "/v1/completions",
                   json({{"prompt", "Hi"}, {"max_tokens", 480}, {"ignore_eos", true}}).dump());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(eventually([&] {
    const MetricsSnapshot m = s.engine().metrics();
    return m.finished_by_reason[static_cast<size_t>(FinishReason::kAbort)] == 2 && m.num_running == 0 &&
           m.kv_usage == 0.0;
  })) << "aborted: "
      << s.engine().metrics().finished_by_reason[static_cast<size_t>(FinishReason::kAbort)];
}

TEST(HttpServer, ShutdownDrainsInFlightRequestsAndRefusesNewWork) {
  HttpServerOptions o = quick_options();
  o.shutdown_timeout =
      std::chrono::seconds(30);  // far longer than the requests: the drain must not wait for it
  Served s(o);
  Connection streaming(s.port()), plain(s.port()), idle(s.port());
  streaming.send_request(
      "POST", "/v1/completions",
      json({{"prompt", "Hello"}, {"max_tokens", 60}, {"ignore_eos", true}, {"stream", true}}).dump());
  plain.send_request("POST", "/v1/completions",
                     json({{"prompt", "Hi"}, {"max_tokens", 60}, {"ignore_eos", true}}).dump());
  std::string got = streaming.read_some();
  ASSERT_TRUE(eventually([&] { return s.engine().metrics().num_running == 2; }));
  s.server().request_shutdown();
  // An open keep-alive connection gets 503 for new work while the others drain.
  idle.send_request("GET", "/v1/models");
  const ClientResponse refused = idle.read_response();
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.headers.at("connection"), "close");
  while (got.find("data: [DONE]") == std::string::npos) {
    const std::string more = streaming.read_some();
    ASSERT_FALSE(more.empty()) << "closed before the stream finished";
    got += more;
  }
  const ClientResponse r = plain.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("connection"), "close");
  const auto finished = std::chrono::steady_clock::now();
  s.thread().join();  // run_until_shutdown returned after the drain
  EXPECT_LT(std::chrono::steady_clock::now() - finished, std::chrono::seconds(10));
  EXPECT_THROW(Connection(s.port(), 1000), std::runtime_error);  // no longer listening
  EXPECT_EQ(s.engine().metrics().finished_by_reason[static_cast<size_t>(FinishReason::kLength)], 2u);
}

TEST(HttpServer, OverloadedEngineAnswers503) {
  auto gate = std::make_shared<GatedExecutor::Control>();
  gate->set_open(false);
  Served s(quick_options(), gate, /*max_queued=*/1);
  const std::string body = json({{"prompt", {5, 6, 7}}, {"max_tokens", 2}}).dump();
  Connection first(s.port());
  first.send_request("POST", "/v1/completions", body);
  ASSERT_TRUE(
      eventually([&] { return s.engine().metrics().num_running == 1; }));  // planned, result held back
  Connection second(s.port());
  second.send_request("POST", "/v1/completions", body);
  ASSERT_TRUE(eventually([&] { return s.engine().metrics().num_waiting == 1; }));
  const ClientResponse third = http_request(s.port(), "POST", "/v1/completions", body);
  expect_openai_error(third, 503);
  EXPECT_EQ(json::parse(third.body)["error"]["code"], "overloaded");
  gate->set_open(true);
  EXPECT_EQ(first.read_response().status, 200);
  EXPECT_EQ(second.read_response().status, 200);
}

TEST(HttpServer, DeadEngineAnswers503AndHealthSaysSo) {
  auto gate = std::make_shared<GatedExecutor::Control>();
  gate->fail = true;
  Served s(quick_options(), gate);
  const std::string body = json({{"prompt", {5, 6, 7}}, {"max_tokens", 2}}).dump();
  const ClientResponse first = http_request(s.port(), "POST", "/v1/completions", body);
  expect_openai_error(first, 503);  // failed while running
  EXPECT_NE(first.body.find("lost its GPU"), std::string::npos) << first.body;
  expect_openai_error(http_request(s.port(), "POST", "/v1/completions", body), 503);  // refused at submit
  expect_openai_error(http_request(s.port(), "GET", "/health"), 503);
  json stream = json::parse(body);
  stream["stream"] = true;
  expect_openai_error(http_request(s.port(), "POST", "/v1/completions", stream.dump()), 503);
}

// The engine-deadlock case: the engine thread is held inside a step (it never gets to its own step-timeout
// check), so only the probe can tell. /health turns 503 engine_stalled once no step completed for the step
// deadline while work waits, /metrics shows the gauges, and both recover when the step completes.
TEST(HttpServer, WedgedEngineFailsTheHealthProbeUntilItStepsAgain) {
  auto gate = std::make_shared<GatedExecutor::Control>();
  gate->wedge = true;
  gate->set_open(false);
  Served s(quick_options(), gate, 1024, std::chrono::milliseconds(300));
  EXPECT_EQ(http_request(s.port(), "GET", "/health").status, 200);
  Connection c(s.port());
  c.send_request("POST", "/v1/completions", json({{"prompt", {5, 6, 7}}, {"max_tokens", 2}}).dump());
  ASSERT_TRUE(eventually([&] { return s.engine().liveness().busy; }));
  EXPECT_EQ(http_request(s.port(), "GET", "/health").status, 200);  // within the deadline
  ASSERT_TRUE(eventually([&] { return http_request(s.port(), "GET", "/health").status == 503; }));
  const ClientResponse health = http_request(s.port(), "GET", "/ping");
  expect_openai_error(health, 503);
  EXPECT_EQ(json::parse(health.body)["error"]["code"], "engine_stalled");
  EXPECT_NE(health.body.find("step deadline 0.3 s"), std::string::npos) << health.body;
  const std::string metrics = http_request(s.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("llmc:engine_stalled{model_name=\"tiny\"} 1"), std::string::npos) << metrics;
  gate->set_open(true);
  EXPECT_EQ(c.read_response().status, 200);
  ASSERT_TRUE(eventually([&] { return http_request(s.port(), "GET", "/health").status == 200; }));
  EXPECT_NE(http_request(s.port(), "GET", "/metrics").body.find("llmc:engine_stalled{model_name=\"tiny\"} 0"),
            std::string::npos);
}

TEST(HttpServer, GenerateAndVertexPrediction) {
  HttpServerOptions o = quick_options();
  o.predict_route = "/predict";
  o.health_route = "/vertex-health";
  Served s(o);
  const ClientResponse g =
      http_request(s.port(), "POST", "/generate", json({{"prompt", "Hello"}, {"max_tokens", 3}}).dump());
  ASSERT_EQ(g.status, 200) << g.body;
  const std::string text = json::parse(g.body)["text"][0];
  EXPECT_EQ(text.rfind("Hello", 0), 0u);  // the prompt, then the output
  const ClientResponse p = http_request(
      s.port(), "POST", "/predict",
      json({{"instances", {"Hello", {{"prompt", "Hi"}, {"n", 2}}}}, {"parameters", {{"max_tokens", 3}}}})
          .dump());
  ASSERT_EQ(p.status, 200) << p.body;
  const json predictions = json::parse(p.body)["predictions"];
  ASSERT_EQ(predictions.size(), 2u);
  EXPECT_TRUE(predictions[0].is_string());
  EXPECT_EQ(predictions[1].size(), 2u);
  EXPECT_EQ(http_request(s.port(), "GET", "/vertex-health").status, 200);
}

}  // namespace
}  // namespace llmc::http_test
