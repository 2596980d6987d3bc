// The head's HTTP/1.1 server: the OpenAI Completions and Chat Completions APIs (with SSE streaming), vLLM's
// /generate, /tokenize, /detokenize, /health, /ping, /version, /metrics, and Vertex AI prediction.
//
// Threads: a small pool of I/O threads runs every connection (one strand each, no thread per connection); the
// engine loop's callbacks only post to a connection's strand, so they never block. A client that disconnects
// aborts its requests (their KV blocks are freed). Shutdown (request_shutdown, or SIGTERM/SIGINT when
// handle_signals) drains: the listener closes, new requests on open connections get 503, in-flight requests
// finish; whatever is still running after shutdown_timeout is aborted. Then run_until_shutdown returns.
//
// Who calls it: `llm-cluster serve` on the head (rank 0) and tests/http/http_test_server.cpp.
// Lifetime: the EngineLoop must outlive the HttpServer; destroy the server only after run_until_shutdown has
// returned (or if it was never called). run_until_shutdown runs once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/head/engine_loop.h"
#include "runtime/head/http/served_model.h"

namespace llmc {

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8000;                      // 0: any free port (port() says which)
  std::string api_key;                       // non-empty: every route but /health, /ping and
                                             // health_route needs "Authorization: Bearer <key>"
  bool metrics_without_api_key = false;      // with api_key: /metrics stays open (a scraper without it)
  std::vector<std::string> allowed_origins;  // CORS origins ("*" for any); empty: no CORS headers
  int io_threads = 2;
  size_t max_body_bytes = size_t{32} << 20;   // larger request bodies get 413
  std::chrono::seconds idle_timeout{60};      // keep-alive connections idle this long are closed
  std::chrono::seconds write_timeout{60};     // a client that takes longer to accept bytes is dropped
  std::chrono::seconds shutdown_timeout{30};  // drain bound: in-flight requests still running are aborted
  std::string predict_route;                  // Vertex AI prediction (POST); empty: not served
  std::string health_route;                   // Vertex AI health (GET); empty: not served
  bool handle_signals = true;                 // SIGTERM / SIGINT / SIGUSR1 start a drain
  std::string version = "0.1.0";              // reported by /version
};

class HttpServer {
 public:
  // Binds and listens (throws llmc::Error naming host:port when it cannot); serving starts in
  // run_until_shutdown. The model must have at least one name.
  HttpServer(EngineLoop& engine, ServedModel model, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the actual one when options.port was 0).
  uint16_t port() const;
  // Serves on options.io_threads threads (the caller's among them) until a shutdown drain completes.
  void run_until_shutdown();
  // Thread-safe, callable before or during run_until_shutdown; returns at once.
  void request_shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmc
