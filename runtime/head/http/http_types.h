// Transport-neutral HTTP request and response, so routing, validation and formatting are testable without
// sockets (the Beast session converts to and from these).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmc::http_api {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // without the query string
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  // The first header with that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return std::string_view(v);
    }
    return std::nullopt;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (CORS, Retry-After, ...)
};

}  // namespace llmc::http_api
