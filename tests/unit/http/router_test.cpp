// Routing (404 / 405), the API key (401 on every route but the health probes), CORS, and the command-line / Vertex AI options.
#include "runtime/head/http/router.h"

#include <gtest/gtest.h>

#include <boost/program_options.hpp>
#include <cstdlib>

#include "runtime/head/http/api_error.h"
#include "runtime/head/http/http_options.h"

namespace llmc::http_api {
namespace {

HttpRequest req(std::string method, std::string path,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

int status_of(const HttpRequest& r, const HttpServerOptions& o) {
  try {
    match_route(r, o);
  } catch (const ApiError& e) {
    return e.status();
  }
  return 200;
}

TEST(Router, KnownRoutesUnknownPathsAndWrongMethods) {
  HttpServerOptions o;
  EXPECT_EQ(match_route(req("GET", "/v1/models"), o), Route::kModels);
  EXPECT_EQ(match_route(req("POST", "/v1/completions"), o), Route::kCompletions);
  EXPECT_EQ(match_route(req("POST", "/v1/chat/completions"), o), Route::kChat);
  EXPECT_EQ(match_route(req("GET", "/health"), o), Route::kHealth);
  EXPECT_EQ(match_route(req("POST", "/ping"), o), Route::kPing);
  EXPECT_EQ(match_route(req("GET", "/metrics"), o), Route::kMetrics);
  EXPECT_EQ(match_route(req("POST", "/generate"), o), Route::kGenerate);
  EXPECT_EQ(status_of(req("GET", "/v1/nothing"), o), 404);
  EXPECT_EQ(status_of(req("GET", "/predict"), o), 404);  // no Vertex route unless configured
  EXPECT_EQ(status_of(req("GET", "/v1/completions"), o), 405);
  EXPECT_EQ(status_of(req("DELETE", "/v1/models"), o), 405);
  EXPECT_EQ(status_of(req("OPTIONS", "/v1/models",
                          {{"origin", "http://a"}, {"access-control-request-method", "GET"}}),
                      o),
            405);  // no CORS configured: no preflight
  o.predict_route = "/v1/endpoints/x:predict";
  o.health_route = "/healthz";
  EXPECT_EQ(match_route(req("POST", "/v1/endpoints/x:predict"), o), Route::kPredict);
  EXPECT_EQ(match_route(req("GET", "/healthz"), o), Route::kHealth);
}

TEST(ApiKey, EveryRouteButTheHealthProbesNeedsTheKeyAndItMustMatchExactly) {
  HttpServerOptions o;
  o.api_key = "sk-secret";
  o.predict_route = "/v1/endpoints/x:predict";
  o.health_route = "/healthz";
  auto status = [&](const HttpRequest& r) {
    try {
      check_api_key(r, o);
    } catch (const ApiError& e) {
      EXPECT_EQ(e.code(), "invalid_api_key");
      return e.status();
    }
    return 200;
  };
  const std::vector<std::pair<std::string, std::string>> key = {{"authorization", "Bearer sk-secret"}};
  // Every route the server has (router.h's list), with and without the key.
  const std::vector<std::pair<std::string, std::string>> guarded = {
      {"GET", "/v1/models"},   {"GET", "/v1/models/tiny"}, {"POST", "/v1/completions"},
      {"POST", "/v1/chat/completions"}, {"GET", "/version"}, {"POST", "/tokenize"},
      {"POST", "/detokenize"}, {"GET", "/metrics"},        {"POST", "/generate"},
      {"POST", "/v1/endpoints/x:predict"}, {"GET", "/no-such-route"}};
  for (const auto& [method, path] : guarded) {
    EXPECT_EQ(status(req(method, path)), 401) << method << " " << path;
    EXPECT_EQ(status(req(method, path, key)), 200) << method << " " << path;
  }
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/health"}, {"GET", "/ping"}, {"POST", "/ping"}, {"GET", "/healthz"}}) {
    EXPECT_EQ(status(req(method, path)), 200) << method << " " << path;
    EXPECT_EQ(status(req(method, path, key)), 200) << method << " " << path;
  }
  EXPECT_EQ(status(req("GET", "/v1/models", {{"authorization", "Bearer sk-secreT"}})), 401);
  EXPECT_EQ(status(req("GET", "/v1/models", {{"authorization", "Bearer sk-secret2"}})), 401);
  EXPECT_EQ(status(req("GET", "/v1/models", {{"authorization", "Bearer sk-secre"}})), 401);
  EXPECT_EQ(status(req("GET", "/v1/models", {{"authorization", "sk-secret"}})), 401);
  EXPECT_EQ(status(req("GET", "/v1/models", {{"authorization", "Basic sk-secret"}})), 401);
  // --disable-metrics-auth opens /metrics and nothing else.
  o.metrics_without_api_key = true;
  EXPECT_EQ(status(req("GET", "/metrics")), 200);
  EXPECT_EQ(status(req("POST", "/tokenize")), 401);
  EXPECT_EQ(status(req("GET", "/v1/models")), 401);
  // No key configured: everything is open.
  o.api_key.clear();
  o.metrics_without_api_key = false;
  for (const auto& [method, path] : guarded) EXPECT_EQ(status(req(method, path)), 200) << path;
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("", "abc"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(Cors, HeadersAndPreflight) {
  const std::vector<std::string> allowed = {"http://good.example"};
  EXPECT_TRUE(cors_headers(req("GET", "/v1/models", {{"origin", "http://good.example"}}), {}).empty());
  EXPECT_TRUE(cors_headers(req("GET", "/v1/models", {{"origin", "http://evil.example"}}), allowed).empty());
  const auto h = cors_headers(req("GET", "/v1/models", {{"origin", "http://good.example"}}), allowed);
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h[0],
            (std::pair<std::string, std::string>{"access-control-allow-origin", "http://good.example"}));
  EXPECT_EQ(cors_headers(req("GET", "/", {{"origin", "http://x"}}), {"*"})[0].second, "*");

  HttpServerOptions o;
  o.allowed_origins = allowed;
  const HttpRequest pre = req("OPTIONS", "/v1/chat/completions",
                              {{"origin", "http://good.example"},
                               {"access-control-request-method", "POST"},
                               {"access-control-request-headers", "authorization,content-type"}});
  EXPECT_EQ(match_route(pre, o), Route::kPreflight);
  const HttpResponse ok = preflight_response(pre, allowed);
  EXPECT_EQ(ok.status, 200);
  auto header = [](const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::string("<none>");
  };
  EXPECT_EQ(header(ok, "access-control-allow-headers"), "authorization,content-type");
  EXPECT_NE(header(ok, "access-control-allow-methods").find("POST"), std::string::npos);
  HttpRequest evil = pre;
  evil.headers[0].second = "http://evil.example";
  EXPECT_EQ(preflight_response(evil, allowed).status, 400);
}

TEST(HttpOptions, FlagsEnvironmentAndErrors) {
  EXPECT_EQ(parse_origin_list("[\"http://a\", \"*\"]"), (std::vector<std::string>{"http://a", "*"}));
  EXPECT_EQ(parse_origin_list("http://a,http://b"), (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_THROW(parse_origin_list("[1]"), Error);
  EXPECT_THROW(parse_origin_list("[\"x\""), Error);

  namespace po = boost::program_options;
  HttpCliOptions o;
  po::options_description desc;
  add_http_options(desc, o);
  const char* argv[] = {"x", "--port",      "0",  "--api-key",         "k",       "--served-model-name", "a",
                        "b", "--tokenizer", "/t", "--allowed-origins", "[\"*\"]", "--shutdown-timeout",  "5",
                        "--disable-metrics-auth"};
  po::variables_map vm;
  po::store(po::parse_command_line(static_cast<int>(std::size(argv)), argv, desc), vm);
  po::notify(vm);
  ::setenv("AIP_HTTP_PORT", "8123", 1);
  ::setenv("AIP_PREDICT_ROUTE", "/predict", 1);
  ::setenv("AIP_HEALTH_ROUTE", "/healthz", 1);
  finish_http_options(o);
  EXPECT_EQ(o.server.port, 8123);  // Vertex AI's port wins
  EXPECT_EQ(o.server.predict_route, "/predict");
  EXPECT_EQ(o.server.health_route, "/healthz");
  EXPECT_EQ(o.server.api_key, "k");
  EXPECT_TRUE(o.server.metrics_without_api_key);
  ::setenv("VLLM_API_KEY", "from-env", 1);
  finish_http_options(o);
  EXPECT_EQ(o.server.api_key, "k");  // the flag wins
  HttpCliOptions from_env;
  finish_http_options(from_env);
  EXPECT_EQ(from_env.server.api_key, "from-env");
  ::unsetenv("VLLM_API_KEY");
  EXPECT_EQ(o.model.served_model_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.model.tokenizer_dir, std::filesystem::path("/t"));
  EXPECT_EQ(o.server.allowed_origins, std::vector<std::string>{"*"});
  EXPECT_EQ(o.server.shutdown_timeout, std::chrono::seconds(5));
  ::setenv("AIP_HTTP_PORT", "eighty", 1);
  EXPECT_THROW(finish_http_options(o), Error);
  ::setenv("AIP_HTTP_PORT", "80", 1);
  ::setenv("AIP_PREDICT_ROUTE", "predict", 1);
  EXPECT_THROW(finish_http_options(o), Error);
  ::unsetenv("AIP_HTTP_PORT");
  ::unsetenv("AIP_PREDICT_ROUTE");
  ::unsetenv("AIP_HEALTH_ROUTE");
}

}  // namespace
}  // namespace llmc::http_api
