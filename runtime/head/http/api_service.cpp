#include "runtime/head/http/api_service.h"

#include "common/log.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"
#include "runtime/head/http/response_builder.h"

namespace llmc::http_api {
namespace {

HttpResponse json_response(const json& body) {
  HttpResponse r;
  r.body = to_wire(body);
  return r;
}

nlohmann::ordered_json parse_ordered(const std::string& body) {
  return nlohmann::ordered_json::parse(body);  // already validated by parse_json_object
}

}  // namespace

ApiService::ApiService(EngineLoop& engine, ServedModel model, HttpServerOptions options)
    : engine_(engine), model_(std::move(model)), options_(std::move(options)), started_at_(unix_now()) {
  LLMC_CHECK(!model_.names.empty()) << "HttpServer: the served model needs at least one name";
  LLMC_CHECK(model_.max_model_len > 0) << "HttpServer: max_model_len must be positive";
}

HttpResponse ApiService::error_response(const ApiError& e, const HttpRequest* request) const {
  HttpResponse r;
  r.status = e.status();
  r.body = to_wire(error_body(e));
  if (e.status() == 503 && e.code() == "overloaded") r.headers.emplace_back("retry-after", "1");
  if (request != nullptr) {
    for (auto& h : cors_headers(*request, options_.allowed_origins)) r.headers.push_back(std::move(h));
  }
  return r;
}

ApiService::Dispatch ApiService::dispatch(const HttpRequest& request) {
  Dispatch d;
  try {
    // A dead engine is the reason to give first: the server drains because of it, and a probe should say so.
    if (engine_.dead()) {
      throw ApiError(503, "the engine is dead: " + engine_.dead_reason(), "server_error", "", "engine_dead");
    }
    if (draining_) throw ApiError(503, "the server is shutting down", "server_error", "", "shutting_down");
    // A CORS preflight carries no credentials by design; every other route but the health probes needs the
    // key (router.h says which).
    const bool preflight = request.method == "OPTIONS" && !options_.allowed_origins.empty();
    if (!preflight) check_api_key(request, options_);
    const Route route = match_route(request, options_);
    if (route == Route::kPreflight) {
      d.response = preflight_response(request, options_.allowed_origins);
      return d;
    }
    d.cors = cors_headers(request, options_.allowed_origins);
    const std::string_view request_id = request.header("x-request-id").value_or("");
    switch (route) {
      case Route::kCompletions:
        d.job = parse_completion_request(parse_json_object(request.body), model_, request_id);
        return d;
      case Route::kChat: {
        const json body = parse_json_object(request.body);
        d.job = parse_chat_request(body, parse_ordered(request.body), model_, request_id);
        return d;
      }
      case Route::kGenerate:
        d.job = parse_generate_request(parse_json_object(request.body), model_);
        return d;
      case Route::kPredict:
        d.job = parse_predict_request(parse_json_object(request.body), model_);
        return d;
      default:
        d.response = answer(route, request);
        for (auto& h : d.cors) d.response->headers.push_back(h);
        return d;
    }
  } catch (const ApiError& e) {
    d.job.reset();
    d.response = error_response(e, &request);
  } catch (const FieldError& e) {  // the parsers translate these; this keeps a missed one a 400, not a 500
    d.job.reset();
    d.response = error_response(field_error(e), &request);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", request.method, request.path, e.what());
    d.job.reset();
    d.response =
        error_response(ApiError(500, std::string("internal error: ") + e.what(), "server_error"), &request);
  }
  return d;
}

HttpResponse ApiService::answer(Route route, const HttpRequest& request) {
  switch (route) {
    case Route::kModels:
      return json_response(models_body(model_, started_at_));
    case Route::kModel:
      return json_response(model_body(model_, started_at_, model_id_of(request.path)));
    case Route::kHealth:
    case Route::kPing: {
      if (engine_.dead())
        throw ApiError(503, "the engine is dead: " + engine_.dead_reason(), "server_error", "",
                       "engine_dead");
      // Alive is not enough: an engine that holds work but completes no step (a deadlock, a wedged
      // collective) must fail the probe so an orchestrator replaces it.
      if (const EngineLoop::Liveness l = engine_.liveness(); l.stalled) {
        throw ApiError(503,
                       fmt::format("the engine is stalled: no step completed for {:.1f} s while work waits "
                                   "(step deadline {:g} s)",
                                   l.seconds_since_last_step, engine_.step_timeout().count() / 1000.0),
                       "server_error", "", "engine_stalled");
      }
      HttpResponse r;
      r.content_type = "text/plain; charset=utf-8";
      return r;
    }
    case Route::kVersion:
      return json_response({{"version", options_.version}});
    case Route::kTokenize: {
      const json body = parse_json_object(request.body);  // first: it turns bad numbers into a 400
      return json_response(tokenize_body(body, parse_ordered(request.body), model_));
    }
    case Route::kDetokenize:
      return json_response(detokenize_body(parse_json_object(request.body), model_));
    case Route::kMetrics: {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = prometheus_text(engine_.metrics(), model_.names.front(), counters());
      return r;
    }
    default:
      break;
  }
  throw ApiError(500, "route has no handler", "server_error");
}

std::vector<RequestId> ApiService::submit(const GenerationJob& job, const OutputSink& on_output) {
  std::vector<RequestId> ids;
  for (size_t i = 0; i < job.requests.size(); ++i) {
    try {
      ids.push_back(engine_.submit(job.requests[i],
                                   [on_output, i](RequestOutput out) { on_output(i, std::move(out)); }));
    } catch (const SubmitError& e) {
      abort(ids);
      ApiError error = from_submit_error(e);
      if (job.requests.size() > 1 && e.kind() == SubmitError::Kind::kInvalidRequest) {
        error = bad_request("prompt " + std::to_string(i) + ": " + e.what(), "prompt");
      }
      throw error;
    }
  }
  return ids;
}

void ApiService::abort(const std::vector<RequestId>& ids) {
  for (const RequestId id : ids) engine_.abort(id);
}

void ApiService::count_response(int status) {
  const int cls = status / 100;
  if (cls >= 1 && cls <= 5) by_status_[cls].fetch_add(1, std::memory_order_relaxed);
}

HttpCounters ApiService::counters() const {
  HttpCounters c;
  for (int i = 0; i < 6; ++i) c.by_status[i] = by_status_[i].load(std::memory_order_relaxed);
  return c;
}

}  // namespace llmc::http_api
