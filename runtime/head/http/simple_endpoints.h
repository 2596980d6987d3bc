// The endpoints that answer at once, without the engine: model list, version, tokenize and detokenize
// (vLLM's shapes), and the Prometheus metrics text.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/head/http/served_model.h"
#include "runtime/head/metrics.h"

namespace llmc::http_api {

// GET /v1/models: {"object": "list", "data": [{"id", "object": "model", "created", "owned_by", "root",
// "parent", "max_model_len"}]} with one entry per served name.
nlohmann::json models_body(const ServedModel& model, int64_t created);
// GET /v1/models/{id}: that name's entry of the list; ApiError 404 (model_not_found) for any other id.
nlohmann::json model_body(const ServedModel& model, int64_t created, const std::string& id);

// POST /tokenize: {"prompt": "..."} or {"messages": [...]} (plus add_special_tokens, add_generation_prompt,
// return_token_strs) -> {"count", "max_model_len", "tokens", "token_strs"}. `ordered` keeps key order.
nlohmann::json tokenize_body(const nlohmann::json& body, const nlohmann::ordered_json& ordered,
                             const ServedModel& model);
// POST /detokenize: {"tokens": [...]} -> {"prompt": "..."}.
nlohmann::json detokenize_body(const nlohmann::json& body, const ServedModel& model);

// Counts of HTTP responses by status, kept by the server.
struct HttpCounters {
  uint64_t by_status[6] = {};  // 1xx .. 5xx by class index; [0] unused
};

// GET /metrics: Prometheus text exposition (version 0.0.4) with vLLM's metric names.
std::string prometheus_text(const MetricsSnapshot& m, const std::string& model_name,
                            const HttpCounters& http);

}  // namespace llmc::http_api
