#include "runtime/head/http/api_error.h"

namespace llmc::http_api {

ApiError bad_request(const std::string& message, const std::string& param, const std::string& code) {
  return ApiError(400, message, "invalid_request_error", param, code);
}

ApiError model_not_found(const std::string& model) {
  return ApiError(404, "The model `" + model + "` does not exist.", "invalid_request_error", "model",
                  "model_not_found");
}

ApiError from_submit_error(const SubmitError& e) {
  switch (e.kind()) {
    case SubmitError::Kind::kInvalidRequest:
      return bad_request(e.what());
    case SubmitError::Kind::kOverloaded:
      return ApiError(503, std::string("the server is overloaded: ") + e.what(), "server_error", "",
                      "overloaded");
    case SubmitError::Kind::kEngineDead:
      break;
  }
  return ApiError(503, std::string("the engine is not running: ") + e.what(), "server_error", "",
                  "engine_dead");
}

nlohmann::json error_body(const ApiError& e) {
  auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  return {{"error",
           {{"message", e.what()},
            {"type", e.type()},
            {"param", or_null(e.param())},
            {"code", or_null(e.code())}}}};
}

}  // namespace llmc::http_api
