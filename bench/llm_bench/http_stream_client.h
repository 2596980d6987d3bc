// A small asynchronous HTTP/1.1 client for streamed responses (Boost.Beast behind a pimpl): one I/O thread,
// keep-alive connections reused as aiohttp's pool reuses them, every connect, write and read bounded by the
// timeout (a server that goes silent fails the request instead of hanging it), and each piece of a response
// body handed over with the time it arrived. Plain http:// only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmc::bench {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpOutcome {
  std::string error;       // empty: a complete 200 response
  int status = 0;          // HTTP status, 0 when none arrived
  bool timed_out = false;  // the server did not answer within the timeout
};

struct StreamCallbacks {
  // Body bytes of a 200 response, in order, with their arrival time (seconds on the client's clock).
  std::function<void(std::string_view bytes, double now)> on_body;
  // Called exactly once per request, after the last on_body.
  std::function<void(const HttpOutcome&)> on_done;
};

// "http://host:port/prefix" -> parts; throws llmc::Error for anything else.
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string path;  // without a trailing "/"; "" for none
};
HttpUrl parse_http_url(const std::string& url);

class HttpStreamClient {
 public:
  // Resolves host now (throws llmc::Error when it cannot). `epoch` is time 0 of the clock it reports.
  HttpStreamClient(const std::string& host, uint16_t port, std::chrono::duration<double> timeout,
                   std::chrono::steady_clock::time_point epoch);
  ~HttpStreamClient();  // cancels what is in flight (without calling back) and stops the I/O thread
  HttpStreamClient(const HttpStreamClient&) = delete;
  HttpStreamClient& operator=(const HttpStreamClient&) = delete;

  // Starts a request and returns at once; callbacks run on the I/O thread. Safe from any thread.
  void request(std::string method, std::string target, std::string body, Headers headers,
               StreamCallbacks callbacks);
  // Ends every request in flight (their on_done reports `reason`) and refuses new ones the same way.
  void cancel_all(std::string reason);
  // Blocking request for small answers (GET /v1/models): returns status and body.
  std::pair<int, std::string> fetch(std::string method, std::string target, std::string body,
                                    Headers headers);

  double now() const;

  struct Impl;  // opaque: Beast lives only in the .cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmc::bench
