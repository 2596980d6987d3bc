// HttpSession: generation exchanges (submit, stream or collect the outputs, notice a client that leaves).
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/http_session.h"

namespace llmc::http_api {

namespace asio = boost::asio;

namespace {

constexpr size_t kWatchBufferLimit = 1 << 20;  // pipelined bytes kept while a generation runs

std::string chunk(const std::string& data) {
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size, static_cast<size_t>(n)) + data + "\r\n";
}

}  // namespace

void HttpSession::start_generation(GenerationJob job, std::vector<std::pair<std::string, std::string>> cors) {
  const uint64_t serial = ++serial_;
  const bool streaming = job.stream && job.kind != ApiKind::kPredict;
  exchange_ =
      std::make_unique<Exchange>(Exchange{serial,
                                          ResponseBuilder(job, context_.service.model().tokenizer.get()),
                                          {},
                                          std::move(cors),
                                          streaming});
  ++context_.active_generations;
  // The engine calls this on its own thread: post to our strand and never block. It holds only a weak
  // pointer and the gate (no executor: the callback may outlive the server's I/O context), so a connection
  // that is gone is not kept alive by the engine.
  std::weak_ptr<HttpSession> weak = weak_from_this();
  auto sink = [weak, gate = context_.gate, serial](size_t prompt_index, RequestOutput output) {
    std::lock_guard lock(gate->mutex);
    if (!gate->open) return;
    auto self = weak.lock();
    if (!self) return;  // it aborted its requests when it went
    auto executor = self->socket_.get_executor();
    asio::post(executor,
               [self = std::move(self), serial, prompt_index, output = std::move(output)]() mutable {
                 self->on_output(serial, prompt_index, std::move(output));
               });
  };
  try {
    exchange_->ids = context_.service.submit(exchange_->builder.job(), sink);
  } catch (const ApiError& e) {
    end_accounting();
    exchange_.reset();
    HttpResponse r = context_.service.error_response(e);
    return write_response(std::move(r));
  }
  context_.track(exchange_->ids);
  watch_client();
  if (!streaming) return;
  const char* type =
      job.kind == ApiKind::kGenerate ? "application/x-ndjson" : "text/event-stream; charset=utf-8";
  const bool keep = keep_alive_ && !context_.service.draining();
  std::string h = "HTTP/1.1 200 OK\r\nserver: llm-cluster\r\ncontent-type: " + std::string(type) +
                  "\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n";
  h += keep ? "connection: keep-alive\r\n" : "connection: close\r\n";
  for (const auto& [k, v] : exchange_->cors) h += k + ": " + v + "\r\n";
  h += "\r\n";
  context_.service.count_response(200);
  if (!keep) keep_alive_ = false;
  out_pending_ = std::move(h);
  flush();
}

void HttpSession::on_output(uint64_t serial, size_t prompt_index, RequestOutput output) {
  if (!exchange_ || exchange_->serial != serial || exchange_->gone) return;
  Exchange& ex = *exchange_;
  std::string events = ex.builder.add(prompt_index, output);
  // The chat stream's role chunk waits for the engine's first output (vLLM sends it then): clients and
  // benchmarks (llm-bench, vllm bench serve) time the first token from the first chunk with a choice.
  if (ex.streaming && !ex.head_sent) {
    ex.head_sent = true;
    events = ex.builder.stream_head() + events;
  }
  if (!ex.builder.finished()) {
    if (ex.streaming && !events.empty()) send(events);
    return;
  }
  context_.untrack(ex.ids);
  if (!ex.streaming) return write_response(ex.builder.final_response());
  send(events + ex.builder.stream_tail());
  out_pending_ += "0\r\n\r\n";
  stream_done_ = true;
  flush();
}

void HttpSession::send(std::string data) {
  if (data.empty()) return;
  out_pending_ += chunk(data);
  flush();
}

void HttpSession::flush() {
  if (writing_ || closed_) return;
  if (out_pending_.empty()) {
    if (stream_done_) {
      stream_done_ = false;
      after_response();
    }
    return;
  }
  writing_ = true;
  out_writing_.swap(out_pending_);
  out_pending_.clear();
  arm_timer(context_.service.options().write_timeout);
  asio::async_write(socket_, asio::buffer(out_writing_), [self = shared_from_this()](error_code ec, size_t) {
    self->writing_ = false;
    self->out_writing_.clear();
    self->disarm_timer();
    if (ec) return self->client_gone();
    self->flush();
  });
}

void HttpSession::finish_generation() {
  end_accounting();
  exchange_.reset();
}

void HttpSession::end_accounting() {
  if (exchange_ && exchange_->active) {
    exchange_->active = false;
    --context_.active_generations;
  }
}

void HttpSession::watch_client() {
  if (watching_ || closed_ || buffer_.size() >= kWatchBufferLimit) return;
  watching_ = true;
  socket_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](error_code ec, size_t n) { self->on_watch(ec, n); });
}

void HttpSession::on_watch(error_code ec, size_t bytes) {
  watching_ = false;
  if (!ec) buffer_.commit(bytes);  // a pipelined request: parsed once this exchange is done
  if (resume_after_watch_) {
    resume_after_watch_ = false;
    if (ec && ec != asio::error::operation_aborted) return close();
    return next_request();
  }
  if (ec == asio::error::operation_aborted || closed_) return;
  if (ec) return client_gone();
  if (exchange_) watch_client();
}

void HttpSession::client_gone() {
  if (exchange_ && !exchange_->gone) {
    exchange_->gone = true;
    if (!exchange_->builder.finished()) {
      spdlog::debug("client left; aborting {} request(s)", exchange_->ids.size());
      context_.service.abort(exchange_->ids);
    }
    context_.untrack(exchange_->ids);
    end_accounting();
  }
  close();
}

}  // namespace llmc::http_api
