#include "bench/llm_bench/http_stream_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <future>
#include <limits>
#include <optional>
#include <set>
#include <thread>

#include "common/check.h"

namespace llmc::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

HttpUrl parse_http_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  LLMC_CHECK(url.rfind(kScheme, 0) == 0) << "--base-url " << url << ": only http:// URLs are supported";
  std::string rest = url.substr(kScheme.size());
  HttpUrl u;
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.path = rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    LLMC_CHECK(r.ec == std::errc() && r.ptr == port.data() + port.size() && value > 0 && value < 65536)
        << "--base-url " << url << ": bad port '" << port << "'";
    u.port = static_cast<uint16_t>(value);
    authority.resize(colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  LLMC_CHECK(!authority.empty()) << "--base-url " << url << ": no host";
  u.host = authority;
  return u;
}

struct HttpStreamClient::Impl {
  // Declared first so that it is destroyed last: pending handlers (and the exchanges they own) die with it.
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::string host_header;
  tcp::resolver::results_type endpoints;
  std::chrono::steady_clock::duration timeout;
  double timeout_s;
  std::chrono::steady_clock::time_point epoch;
  // I/O thread only:
  std::vector<std::unique_ptr<beast::tcp_stream>> idle;
  std::set<struct Exchange*> active;
  std::string refuse_reason;  // set by cancel_all
  std::thread thread;

  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch).count();
  }
};

namespace {

constexpr size_t kMaxErrorBody = 4096;  // enough for an OpenAI error JSON

std::string error_message(const std::string& body) {
  // Keep one line: OpenAI's {"error": {"message": ...}} when we can find it, else the start of the body.
  const size_t m = body.find("\"message\"");
  std::string text = body;
  if (m != std::string::npos) {
    const size_t q1 = body.find('"', body.find(':', m) + 1);
    size_t q2 = q1 == std::string::npos ? q1 : q1 + 1;
    while (q2 != std::string::npos && q2 < body.size() && body[q2] != '"') q2 += body[q2] == '\\' ? 2 : 1;
    if (q1 != std::string::npos && q2 != std::string::npos && q2 <= body.size())
      text = body.substr(q1 + 1, q2 - q1 - 1);
  }
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text.substr(0, 300);
}

}  // namespace

struct Exchange : std::enable_shared_from_this<Exchange> {
  HttpStreamClient::Impl& impl;
  http::request<http::string_body> req;
  StreamCallbacks cb;
  std::unique_ptr<beast::tcp_stream> stream;
  bool reused = false;
  bool got_response = false;
  bool finished = false;
  int status = 0;
  std::string error_body;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  char chunk[16384];

  Exchange(HttpStreamClient::Impl& i, http::request<http::string_body> r, StreamCallbacks c)
      : impl(i), req(std::move(r)), cb(std::move(c)) {}

  void start() {
    if (!impl.refuse_reason.empty()) return finish({impl.refuse_reason, 0, false});
    impl.active.insert(this);
    if (!impl.idle.empty()) {
      stream = std::move(impl.idle.back());
      impl.idle.pop_back();
      reused = true;
      return write();
    }
    connect();
  }

  void connect() {
    reused = false;
    stream = std::make_unique<beast::tcp_stream>(impl.ioc);
    stream->expires_after(impl.timeout);
    stream->async_connect(impl.endpoints, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
      if (ec) return self->fail(ec, "cannot connect to " + self->impl.host_header);
      self->write();
    });
  }

  void write() {
    parser.emplace();
    // A number, not boost::none: Boost 1.74 compares a known Content-Length against none as "too big".
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    buffer.clear();
    stream->expires_after(impl.timeout);
    http::async_write(*stream, req, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->retry_or_fail(ec, "sending the request failed");
      self->read_header();
    });
  }

  void read_header() {
    stream->expires_after(impl.timeout);
    http::async_read_header(*stream, buffer, *parser, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->retry_or_fail(ec, "no response");
      self->got_response = true;
      self->status = static_cast<int>(self->parser->get().result_int());
      self->read_body();
    });
  }

  void read_body() {
    if (parser->is_done()) return complete();
    parser->get().body().data = chunk;
    parser->get().body().size = sizeof chunk;
    stream->expires_after(impl.timeout);
    http::async_read_some(*stream, buffer, *parser, [self = shared_from_this()](error_code ec, size_t) {
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return self->fail(ec, "the response broke off");
      const size_t got = sizeof self->chunk - self->parser->get().body().size;
      if (got > 0) {
        const std::string_view bytes(self->chunk, got);
        if (self->status == 200) {
          self->cb.on_body(bytes, self->impl.now());
        } else if (self->error_body.size() < kMaxErrorBody) {
          self->error_body.append(bytes.substr(0, kMaxErrorBody - self->error_body.size()));
        }
      }
      self->read_body();
    });
  }

  void complete() {
    if (parser->get().keep_alive() && impl.refuse_reason.empty()) {
      stream->expires_never();
      impl.idle.push_back(std::move(stream));
    }
    if (status == 200) return finish({"", status, false});
    std::string reason = std::string(parser->get().reason());
    finish({"HTTP " + std::to_string(status) + (reason.empty() ? "" : " " + reason) + ": " +
                error_message(error_body),
            status, false});
  }

  // A kept-alive connection the server has closed meanwhile fails before any answer: try a fresh one once.
  void retry_or_fail(error_code ec, const std::string& what) {
    if (reused && !got_response && impl.refuse_reason.empty() && ec != asio::error::operation_aborted &&
        ec != beast::error::timeout) {
      return connect();
    }
    fail(ec, what);
  }

  void fail(error_code ec, const std::string& what) {
    if (stream) {
      error_code ignored;
      stream->socket().close(ignored);
    }
    if (ec == beast::error::timeout) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "the server did not answer for %g s (--timeout) at %s", impl.timeout_s,
                    impl.host_header.c_str());
      return finish({buf, status, true});
    }
    if (ec == asio::error::operation_aborted && !impl.refuse_reason.empty()) {
      return finish({impl.refuse_reason, status, false});
    }
    finish({what + ": " + ec.message(), status, false});
  }

  void finish(const HttpOutcome& outcome) {
    if (finished) return;
    finished = true;
    impl.active.erase(this);
    cb.on_done(outcome);
  }
};

HttpStreamClient::HttpStreamClient(const std::string& host, uint16_t port,
                                   std::chrono::duration<double> timeout,
                                   std::chrono::steady_clock::time_point epoch)
    : impl_(std::make_unique<Impl>()) {
  LLMC_CHECK(timeout.count() > 0) << "--timeout must be positive, got " << timeout.count();
  impl_->timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  impl_->timeout_s = timeout.count();
  impl_->epoch = epoch;
  impl_->host_header =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  tcp::resolver resolver(impl_->ioc);
  error_code ec;
  impl_->endpoints = resolver.resolve(host, std::to_string(port), ec);
  LLMC_CHECK(!ec && !impl_->endpoints.empty()) << "cannot resolve host '" << host << "': " << ec.message();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

HttpStreamClient::~HttpStreamClient() {
  impl_->work.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

double HttpStreamClient::now() const { return impl_->now(); }

void HttpStreamClient::request(std::string method, std::string target, std::string body, Headers headers,
                               StreamCallbacks callbacks) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host_header);
  req.set(http::field::user_agent, "llm-bench");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  auto ex = std::make_shared<Exchange>(*impl_, std::move(req), std::move(callbacks));
  asio::post(impl_->ioc, [ex] { ex->start(); });
}

void HttpStreamClient::cancel_all(std::string reason) {
  std::promise<void> done;
  asio::post(impl_->ioc, [this, &done, reason = std::move(reason)] {
    impl_->refuse_reason = reason;
    for (Exchange* ex : std::set<Exchange*>(impl_->active)) {
      error_code ignored;
      if (ex->stream) ex->stream->socket().cancel(ignored);
    }
    impl_->idle.clear();
    done.set_value();
  });
  done.get_future().wait();
}

std::pair<int, std::string> HttpStreamClient::fetch(std::string method, std::string target, std::string body,
                                                    Headers headers) {
  struct Result {
    std::promise<void> done;
    std::string body;
    HttpOutcome outcome;
  };
  auto result = std::make_shared<Result>();
  StreamCallbacks cb;
  cb.on_body = [result](std::string_view bytes, double) { result->body.append(bytes); };
  cb.on_done = [result](const HttpOutcome& o) {
    result->outcome = o;
    result->done.set_value();
  };
  request(std::move(method), std::move(target), std::move(body), std::move(headers), std::move(cb));
  result->done.get_future().wait();
  LLMC_CHECK(result->outcome.status != 0) << result->outcome.error;
  if (result->outcome.status != 200) return {result->outcome.status, result->outcome.error};
  return {200, std::move(result->body)};
}

}  // namespace llmc::bench
