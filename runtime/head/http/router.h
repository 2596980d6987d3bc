// Routing, API-key check and CORS, on transport-neutral requests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/head/http/http_server.h"
#include "runtime/head/http/http_types.h"

namespace llmc::http_api {

enum class Route {
  kModels,       // GET  /v1/models
  kModel,        // GET  /v1/models/{id}
  kCompletions,  // POST /v1/completions
  kChat,         // POST /v1/chat/completions
  kHealth,       // GET  /health (and AIP_HEALTH_ROUTE)
  kPing,         // GET|POST /ping
  kVersion,      // GET  /version
  kTokenize,     // POST /tokenize
  kDetokenize,   // POST /detokenize
  kMetrics,      // GET  /metrics
  kGenerate,     // POST /generate
  kPredict,      // POST AIP_PREDICT_ROUTE
  kPreflight,    // OPTIONS with Origin + Access-Control-Request-Method (CORS)
};

// Throws ApiError 404 (unknown path) or 405 (known path, other method).
Route match_route(const HttpRequest& request, const HttpServerOptions& options);
// The model id of a /v1/models/{id} path, percent-decoded (clients encode the '/' of "org/name" ids; a raw
// '/' is taken as part of the id too).
std::string model_id_of(const std::string& path);

// Whether `request` needs the API key: with options.api_key set, every path but the health probes (/health,
// /ping, AIP_HEALTH_ROUTE), which load balancers and orchestrators call without credentials, and /metrics
// when options.metrics_without_api_key (a Prometheus scraper without the key). Unknown paths too, so a
// client without the key learns nothing about which routes exist.
bool needs_api_key(const HttpRequest& request, const HttpServerOptions& options);
// Throws ApiError 401 unless the request needs no key or "Authorization: Bearer <api_key>" matches (compared
// in constant time).
void check_api_key(const HttpRequest& request, const HttpServerOptions& options);
bool constant_time_equal(std::string_view a, std::string_view b);

// CORS headers for a response to `request` (none when no origins are configured or the origin is not
// allowed).
std::vector<std::pair<std::string, std::string>> cors_headers(
    const HttpRequest& request, const std::vector<std::string>& allowed_origins);
// The answer to a CORS preflight: 200 with the Access-Control-Allow-* headers, or 400 for a disallowed
// origin.
HttpResponse preflight_response(const HttpRequest& request, const std::vector<std::string>& allowed_origins);

}  // namespace llmc::http_api
