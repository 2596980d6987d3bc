// A small blocking HTTP/1.1 client for the server tests: POSIX sockets with receive timeouts (nothing can
// hang) and Beast's response parser (independent of the server's own code).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace llmc::http_test {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
};

class Connection {
 public:
  explicit Connection(uint16_t port, int timeout_ms = 20000);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(const std::string& bytes);
  // Sends a request (Content-Length set from the body) without reading the answer.
  void send_request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
  // Reads one complete response. Throws std::runtime_error on timeout or a malformed response.
  ClientResponse read_response();
  // Reads whatever arrives next (at least one byte); "" when the server closed the connection.
  std::string read_some();
  // Whether the server closed the connection (waits up to timeout_ms for the end of file).
  bool closed_by_server();
  void close();

 private:
  int fd_ = -1;
  std::string pending_;  // bytes received but not yet parsed
};

// One request on a fresh connection.
ClientResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                            const std::string& body = "",
                            const std::vector<std::pair<std::string, std::string>>& headers = {});

// The payloads of "data: ...\n\n" events, in order ("[DONE]" included).
std::vector<std::string> sse_payloads(const std::string& body);

}  // namespace llmc::http_test
