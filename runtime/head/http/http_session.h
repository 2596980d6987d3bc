// One client connection (internal to the HTTP server): reads requests, answers them, and for generation
// requests submits to the engine and writes the reply, streamed as chunked SSE or all at once.
//
// Everything runs on the connection's strand; engine outputs are posted to it. While a generation is in
// flight a read stays pending on the socket so a client that goes away is noticed at once (its requests
// are aborted) even when nothing is being written. Keep-alive, with an idle timeout; writes have a timeout.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "runtime/head/http/response_builder.h"
#include "runtime/head/http/session_context.h"

namespace llmc::http_api {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, SessionContext& context);
  ~HttpSession();
  void start();

 private:
  using error_code = boost::system::error_code;
  struct Exchange {
    uint64_t serial = 0;
    ResponseBuilder builder;
    std::vector<RequestId> ids;
    std::vector<std::pair<std::string, std::string>> cors;
    bool streaming = false;
    bool active = true;  // counted in active_generations
    bool gone = false;   // the client left; outputs are dropped
    bool head_sent = false;  // the chat role chunk goes out with the first output, as vLLM sends it
  };

  void read_request();
  void on_header(error_code ec);
  void on_request(error_code ec);
  void handle(HttpRequest request);
  void write_response(HttpResponse response);
  void after_response();
  void next_request();

  void start_generation(GenerationJob job, std::vector<std::pair<std::string, std::string>> cors);
  void on_output(uint64_t serial, size_t prompt_index, RequestOutput output);
  void send(std::string data);  // one chunk of the streamed body
  void flush();
  void finish_generation();
  void end_accounting();
  void watch_client();
  void on_watch(error_code ec, size_t bytes);
  void client_gone();

  void arm_timer(std::chrono::steady_clock::duration d);
  void disarm_timer();
  void close();            // now
  void close_lingering();  // after a final error response: stop sending, drain what the client still sends
  void linger_read(std::shared_ptr<std::array<char, 16384>> scratch);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  SessionContext& context_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool keep_alive_ = true;
  bool close_after_response_ = false;
  std::string out_pending_, out_writing_;  // streamed bytes queued / being written
  bool writing_ = false;
  bool stream_done_ = false;  // the last chunk is queued
  bool watching_ = false;     // the disconnect watch read is pending
  bool resume_after_watch_ = false;
  bool closed_ = false;
  uint64_t serial_ = 0;
  std::unique_ptr<Exchange> exchange_;
  std::shared_ptr<HttpResponse> response_;  // kept alive while written
};

}  // namespace llmc::http_api
