// Errors of the HTTP API in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with a status.
// Handlers throw ApiError; the session turns it into a response (or an SSE error event mid-stream).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/check.h"
#include "runtime/head/generation_request.h"

namespace llmc::http_api {

class ApiError : public Error {
 public:
  ApiError(int status, std::string message, std::string type, std::string param = "", std::string code = "")
      : Error(message),
        status_(status),
        type_(std::move(type)),
        param_(std::move(param)),
        code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }  // empty: null
  const std::string& code() const { return code_; }    // empty: null

 private:
  int status_;
  std::string type_, param_, code_;
};

// 400 invalid_request_error; `param` names the offending field when known.
ApiError bad_request(const std::string& message, const std::string& param = "", const std::string& code = "");
// 404 for an unknown model (param "model", code "model_not_found").
ApiError model_not_found(const std::string& model);

// SubmitError -> 400 (invalid request) or 503 (overloaded, engine dead).
ApiError from_submit_error(const SubmitError& e);

// The {"error": {...}} body.
nlohmann::json error_body(const ApiError& e);

}  // namespace llmc::http_api
