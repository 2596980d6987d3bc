#include "runtime/head/http/http_session.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

#include "common/log.h"
#include "runtime/head/http/api_error.h"

namespace llmc::http_api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr size_t kHeaderLimit = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string status_line(int status) {
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason.data(), reason.size()) + "\r\n";
}

std::string head(int status, const std::string& content_type, bool keep_alive,
                 const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string h = status_line(status);
  h += "server: llm-cluster\r\ncontent-type: " + content_type + "\r\n";
  h += keep_alive ? "connection: keep-alive\r\n" : "connection: close\r\n";
  for (const auto& [k, v] : extra) h += k + ": " + v + "\r\n";
  return h;
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, SessionContext& context)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), context_(context) {}

HttpSession::~HttpSession() {
  // The server is going away (or the last handler let go) with a generation still running: stop it.
  if (exchange_ && !exchange_->gone && !exchange_->builder.finished()) context_.service.abort(exchange_->ids);
  if (exchange_) {
    context_.untrack(exchange_->ids);
    end_accounting();
  }
}

void HttpSession::start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->read_request(); });
}

void HttpSession::read_request() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(context_.service.options().max_body_bytes);
  arm_timer(context_.service.options().idle_timeout);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
}

void HttpSession::on_header(error_code ec) {
  if (!ec && beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    // The client waits for our go-ahead before sending the body (curl does for bodies over 1 MiB).
    auto go = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    asio::async_write(socket_, asio::buffer(*go), [self = shared_from_this(), go](error_code ec, size_t) {
      if (ec) return self->close();
      http::async_read(self->socket_, self->buffer_, *self->parser_,
                       [self](error_code ec, size_t) { self->on_request(ec); });
    });
    return;
  }
  if (ec) return on_request(ec);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](error_code ec, size_t) { self->on_request(ec); });
}

void HttpSession::on_request(error_code ec) {
  disarm_timer();
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || closed_) return close();
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow ||
      ec == http::error::header_limit) {
    close_after_response_ = true;
    const bool body = ec == http::error::body_limit;
    write_response(context_.service.error_response(
        ApiError(body ? 413 : 431,
                 body ? "the request body is larger than " +
                            std::to_string(context_.service.options().max_body_bytes) + " bytes"
                      : "the request header is too large",
                 "invalid_request_error", "", body ? "request_too_large" : "header_too_large")));
    return;
  }
  if (ec == asio::error::eof || ec == asio::error::connection_reset) return close();
  if (ec) {
    close_after_response_ = true;
    write_response(context_.service.error_response(bad_request("malformed HTTP request: " + ec.message())));
    return;
  }
  auto message = parser_->release();
  keep_alive_ = message.keep_alive();
  HttpRequest request;
  request.method = std::string(message.method_string());
  const auto raw_target = message.target();
  const std::string_view target(raw_target.data(), raw_target.size());
  request.path = std::string(target.substr(0, target.find('?')));
  for (const auto& field : message) {
    const auto name = field.name_string();
    const auto value = field.value();
    request.headers.emplace_back(lower(std::string_view(name.data(), name.size())),
                                 std::string(value.data(), value.size()));
  }
  request.body = std::move(message.body());
  handle(std::move(request));
}

void HttpSession::handle(HttpRequest request) {
  spdlog::debug("{} {}", request.method, request.path);
  ApiService::Dispatch d = context_.service.dispatch(request);
  if (d.response) return write_response(std::move(*d.response));
  start_generation(std::move(*d.job), std::move(d.cors));
}

void HttpSession::write_response(HttpResponse response) {
  if (closed_) return;
  context_.service.count_response(response.status);
  if (context_.service.draining()) close_after_response_ = true;
  const bool keep = keep_alive_ && !close_after_response_;
  auto wire =
      std::make_shared<std::string>(head(response.status, response.content_type, keep, response.headers));
  *wire += "content-length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  *wire += response.body;
  arm_timer(context_.service.options().write_timeout);
  asio::async_write(socket_, asio::buffer(*wire),
                    [self = shared_from_this(), wire, keep](error_code ec, size_t) {
                      self->disarm_timer();
                      if (self->exchange_) self->finish_generation();  // its reply is out (or cannot go out)
                      if (ec) return self->client_gone();
                      if (!keep) self->keep_alive_ = false;  // next_request closes once the watch is back
                      self->after_response();
                    });
}

void HttpSession::after_response() {
  if (exchange_) finish_generation();
  if (watching_) {
    // The disconnect watch still owns the socket's read side; take it back before the next request.
    resume_after_watch_ = true;
    error_code ignored;
    socket_.cancel(ignored);
    return;
  }
  next_request();
}

void HttpSession::next_request() {
  if (closed_) return;
  if (!keep_alive_ || context_.service.draining()) return close_lingering();
  read_request();
}

void HttpSession::arm_timer(std::chrono::steady_clock::duration d) {
  timer_.expires_after(d);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->timer_.expiry() > std::chrono::steady_clock::now()) return;
    spdlog::debug("closing a connection that timed out");
    self->client_gone();
  });
}

void HttpSession::disarm_timer() { timer_.cancel(); }

void HttpSession::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
}

void HttpSession::close_lingering() {
  if (closed_) return;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  // Read and drop what the client is still sending (the rest of a refused body) so the kernel does not
  // answer it with a reset that could destroy our response before the client reads it. Bounded in time.
  arm_timer(std::chrono::seconds(2));
  linger_read(std::make_shared<std::array<char, 16384>>());
}

void HttpSession::linger_read(std::shared_ptr<std::array<char, 16384>> scratch) {
  socket_.async_read_some(asio::buffer(*scratch),
                          [self = shared_from_this(), scratch](error_code ec, size_t) {
                            if (ec || self->closed_) return self->close();
                            self->linger_read(scratch);
                          });
}

}  // namespace llmc::http_api
