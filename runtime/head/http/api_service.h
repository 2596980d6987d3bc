// The HTTP API's logic above the transport: route, authorize, validate, and either answer at once or hand
// back a GenerationJob for the session to submit and stream. Safe to call from every I/O thread at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "runtime/head/engine_loop.h"
#include "runtime/head/http/generation_job.h"
#include "runtime/head/http/http_server.h"
#include "runtime/head/http/http_types.h"
#include "runtime/head/http/router.h"
#include "runtime/head/http/simple_endpoints.h"

namespace llmc::http_api {

class ApiError;

class ApiService {
 public:
  ApiService(EngineLoop& engine, ServedModel model, HttpServerOptions options);

  struct Dispatch {
    std::optional<HttpResponse> response;                   // answer now
    std::optional<GenerationJob> job;                       // or generate (exactly one of the two is set)
    std::vector<std::pair<std::string, std::string>> cors;  // headers for the generation reply
  };
  // Never throws: every failure becomes an error response.
  Dispatch dispatch(const HttpRequest& request);

  // Submits every request of the job; on_output(prompt_index, output) runs on the engine thread. If one
  // submit fails, the ones already submitted are aborted and the ApiError (400/503) is thrown.
  using OutputSink = std::function<void(size_t prompt_index, RequestOutput output)>;
  std::vector<RequestId> submit(const GenerationJob& job, const OutputSink& on_output);
  void abort(const std::vector<RequestId>& ids);

  HttpResponse error_response(const ApiError& e, const HttpRequest* request = nullptr) const;

  void count_response(int status);
  HttpCounters counters() const;
  void set_draining() { draining_ = true; }
  bool draining() const { return draining_; }

  const ServedModel& model() const { return model_; }
  const HttpServerOptions& options() const { return options_; }

 private:
  HttpResponse answer(Route route, const HttpRequest& request);

  EngineLoop& engine_;
  ServedModel model_;
  HttpServerOptions options_;
  int64_t started_at_;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> by_status_[6] = {};
};

}  // namespace llmc::http_api
