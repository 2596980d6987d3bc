#include "runtime/head/http/router.h"

#include <algorithm>

#include "runtime/head/http/api_error.h"

namespace llmc::http_api {
namespace {

struct RouteEntry {
  std::string path;
  std::vector<std::string> methods;
  Route route;
};

std::vector<RouteEntry> route_table(const HttpServerOptions& o) {
  std::vector<RouteEntry> table = {
      {"/v1/models", {"GET"}, Route::kModels},          {"/v1/completions", {"POST"}, Route::kCompletions},
      {"/v1/chat/completions", {"POST"}, Route::kChat}, {"/health", {"GET"}, Route::kHealth},
      {"/ping", {"GET", "POST"}, Route::kPing},         {"/version", {"GET"}, Route::kVersion},
      {"/tokenize", {"POST"}, Route::kTokenize},        {"/detokenize", {"POST"}, Route::kDetokenize},
      {"/metrics", {"GET"}, Route::kMetrics},           {"/generate", {"POST"}, Route::kGenerate},
  };
  // Vertex AI's routes come first so they may shadow ours.
  if (!o.predict_route.empty()) table.insert(table.begin(), {o.predict_route, {"POST"}, Route::kPredict});
  if (!o.health_route.empty()) table.insert(table.begin(), {o.health_route, {"GET"}, Route::kHealth});
  return table;
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return a == "*" || a == origin; });
}

constexpr std::string_view kModelPrefix = "/v1/models/";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool wildcard(const std::vector<std::string>& allowed) {
  return std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
}

}  // namespace

Route match_route(const HttpRequest& request, const HttpServerOptions& options) {
  if (request.method == "OPTIONS" && request.header("origin") &&
      request.header("access-control-request-method") && !options.allowed_origins.empty()) {
    return Route::kPreflight;
  }
  std::string allow;
  for (const RouteEntry& e : route_table(options)) {
    if (e.path != request.path) continue;
    if (std::find(e.methods.begin(), e.methods.end(), request.method) != e.methods.end()) return e.route;
    for (const std::string& m : e.methods) allow += (allow.empty() ? "" : ", ") + m;
  }
  if (allow.empty() && request.path.size() > kModelPrefix.size() && request.path.rfind(kModelPrefix, 0) == 0) {
    if (request.method == "GET") return Route::kModel;
    allow = "GET";
  }
  if (!allow.empty()) {
    throw ApiError(
        405, "method " + request.method + " is not allowed on " + request.path + " (allowed: " + allow + ")",
        "invalid_request_error", "", "method_not_allowed");
  }
  throw ApiError(404, "no route for " + request.method + " " + request.path, "invalid_request_error", "",
                 "not_found");
}

std::string model_id_of(const std::string& path) {
  const std::string_view raw = std::string_view(path).substr(std::min(path.size(), kModelPrefix.size()));
  std::string id;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
      id += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    } else {
      id += raw[i];
    }
  }
  return id;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the expected key is visited whatever the input, so timing reveals at most the length.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

bool needs_api_key(const HttpRequest& request, const HttpServerOptions& options) {
  if (options.api_key.empty()) return false;
  const std::string& path = request.path;
  if (path == "/health" || path == "/ping" || (!options.health_route.empty() && path == options.health_route))
    return false;
  return !(path == "/metrics" && options.metrics_without_api_key);
}

void check_api_key(const HttpRequest& request, const HttpServerOptions& options) {
  if (!needs_api_key(request, options)) return;
  const std::string& api_key = options.api_key;
  const auto header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view given = header && header->substr(0, kBearer.size()) == kBearer
                                     ? header->substr(kBearer.size())
                                     : std::string_view();
  if (!constant_time_equal(given, api_key)) {
    throw ApiError(401, "Incorrect API key provided (send 'Authorization: Bearer <key>').",
                   "invalid_request_error", "", "invalid_api_key");
  }
}

std::vector<std::pair<std::string, std::string>> cors_headers(
    const HttpRequest& request, const std::vector<std::string>& allowed_origins) {
  const auto origin = request.header("origin");
  if (allowed_origins.empty() || !origin || !origin_allowed(*origin, allowed_origins)) return {};
  if (wildcard(allowed_origins)) return {{"access-control-allow-origin", "*"}};
  return {{"access-control-allow-origin", std::string(*origin)}, {"vary", "Origin"}};
}

HttpResponse preflight_response(const HttpRequest& request, const std::vector<std::string>& allowed_origins) {
  HttpResponse r;
  r.content_type = "text/plain; charset=utf-8";
  const std::string_view origin = request.header("origin").value_or("");
  if (!origin_allowed(origin, allowed_origins)) {
    r.status = 400;
    r.body = "Disallowed CORS origin";
    return r;
  }
  r.body = "OK";
  r.headers = cors_headers(request, allowed_origins);
  r.headers.emplace_back("access-control-allow-methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
  const auto requested = request.header("access-control-request-headers");
  r.headers.emplace_back("access-control-allow-headers", requested ? std::string(*requested) : "*");
  r.headers.emplace_back("access-control-max-age", "600");
  return r;
}

}  // namespace llmc::http_api
