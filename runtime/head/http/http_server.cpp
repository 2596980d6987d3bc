#include "runtime/head/http/http_server.h"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <thread>

#include "common/check.h"
#include "common/log.h"
#include "runtime/head/http/api_service.h"
#include "runtime/head/http/http_session.h"
#include "runtime/head/http/session_context.h"

namespace llmc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using http_api::ApiService;
using http_api::HttpSession;
using http_api::SessionContext;

namespace {

// Thousands of streaming clients need thousands of descriptors; the soft limit is often 1024.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) spdlog::warn("could not raise the open-file limit");
}

tcp::endpoint resolve(asio::io_context& ioc, const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  LLMC_CHECK(!ec && !results.empty()) << "--host " << host << ": cannot resolve (" << ec.message() << ")";
  return results.begin()->endpoint();
}

}  // namespace

struct HttpServer::Impl {
  Impl(EngineLoop& engine, ServedModel model, HttpServerOptions opts)
      : options(opts),
        service(engine, std::move(model), std::move(opts)),
        context(service),
        ioc(std::max(1, options.io_threads)),
        acceptor(asio::make_strand(ioc)),
        drain_timer(acceptor.get_executor()),
        retry_timer(acceptor.get_executor()),
        signals(acceptor.get_executor()) {}

  void listen() {
    raise_descriptor_limit();
    const tcp::endpoint endpoint = resolve(ioc, options.host, options.port);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    LLMC_CHECK(!ec) << "cannot listen on " << options.host << ":" << options.port << ": " << ec.message();
    bound_port = acceptor.local_endpoint().port();
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
      if (draining || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors and the like: wait a little instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        retry_timer.expires_after(std::chrono::milliseconds(50));
        retry_timer.async_wait([this](boost::system::error_code e) {
          if (!e) accept();
        });
        return;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // SSE events go out as soon as they are written
      std::make_shared<HttpSession>(std::move(socket), context)->start();
      accept();
    });
  }

  void begin_drain() {
    if (draining) return;
    draining = true;
    service.set_draining();
    boost::system::error_code ignored;
    acceptor.close(ignored);
    retry_timer.cancel();
    signals.cancel();
    spdlog::info("HTTP server draining: {} request(s) in flight, up to {} s",
                 context.active_generations.load(), options.shutdown_timeout.count());
    drain_deadline = std::chrono::steady_clock::now() + options.shutdown_timeout;
    poll_drain();
  }

  void poll_drain() {
    const auto now = std::chrono::steady_clock::now();
    if (context.active_generations.load() == 0) return ioc.stop();
    if (now >= drain_deadline) {
      if (aborted) return ioc.stop();  // the aborts had their grace period too
      aborted = true;
      const auto ids = context.in_flight();
      spdlog::warn("shutdown timeout: aborting {} request(s) still running", ids.size());
      service.abort(ids);
      drain_deadline = now + std::chrono::seconds(2);  // time for the aborts' last outputs to go out
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) poll_drain();
    });
  }

  HttpServerOptions options;
  ApiService service;
  SessionContext context;  // sessions refer to it: destroyed after the io_context below
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer drain_timer, retry_timer;
  asio::signal_set signals;
  uint16_t bound_port = 0;
  bool draining = false;  // on the acceptor's strand
  bool aborted = false;
  std::chrono::steady_clock::time_point drain_deadline;
};

HttpServer::HttpServer(EngineLoop& engine, ServedModel model, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(model), std::move(options))) {
  impl_->listen();
}

HttpServer::~HttpServer() {
  {
    std::lock_guard lock(impl_->context.gate->mutex);
    impl_->context.gate->open = false;
  }
  impl_->ioc.stop();
}

uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::request_shutdown() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->begin_drain(); });
}

void HttpServer::run_until_shutdown() {
  Impl& s = *impl_;
  if (s.options.handle_signals) {
    s.signals.add(SIGTERM);
    s.signals.add(SIGINT);
    // mpirun answers its own SIGTERM by killing the job after a 1 s grace, but forwards SIGUSR1 to every rank:
    // `kill -USR1 <mpirun>` is how a job under mpirun is drained (the workers ignore it).
    s.signals.add(SIGUSR1);
    s.signals.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      spdlog::info("signal {} received: shutting down", signal);
      request_shutdown();
    });
  }
  asio::post(s.acceptor.get_executor(), [&s] { s.accept(); });
  spdlog::info("HTTP server listening on http://{}:{} ({} I/O threads)", s.options.host, s.bound_port,
               s.options.io_threads);
  std::vector<std::thread> threads;
  for (int i = 1; i < s.options.io_threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (std::thread& t : threads) t.join();
  spdlog::info("HTTP server stopped");
}

}  // namespace llmc
