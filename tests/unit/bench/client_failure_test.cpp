// The client on sockets that misbehave, where the real server cannot be made to: nobody listening (refused),
// a listener that never answers (the run must end after --timeout, not hang), and a stream cut mid-way. Each
// request must come back failed with its reason; none may vanish.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bench/llm_bench/benchmark_runner.h"

namespace llmc::bench {
namespace {

// A TCP socket on 127.0.0.1 with a kernel-chosen port; listening or not.
struct Socket {
  int fd = -1;
  uint16_t port = 0;
  explicit Socket(bool listen_now) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (listen_now) {
      EXPECT_EQ(::listen(fd, 16), 0);
    }
  }
  ~Socket() { ::close(fd); }
};

std::vector<SampleRequest> three_requests() { return {{"a", 2, 4}, {"b", 2, 4}, {"c", 2, 4}}; }

RunConfig config(std::optional<int64_t> concurrency) {
  RunConfig c;
  c.target = "/v1/completions";
  c.model_name = "m";
  c.request_rate = std::numeric_limits<double>::infinity();
  c.max_concurrency = concurrency;
  return c;
}

TEST(LlmBenchClientFailures, RefusedConnectionsAreCountedNotDropped) {
  uint16_t port;
  {
    Socket closed(false);  // bound, never listening: connecting is refused
    port = closed.port;
    HttpStreamClient client("127.0.0.1", port, std::chrono::seconds(5), std::chrono::steady_clock::now());
    const RunResult r = run_benchmark(client, config(std::nullopt), three_requests());
    ASSERT_EQ(r.outputs.size(), 3u);
    EXPECT_TRUE(r.stopped.empty());
    for (const RequestOutput& o : r.outputs) {
      EXPECT_FALSE(o.success);
      EXPECT_NE(o.error.find("cannot connect"), std::string::npos) << o.error;
    }
  }
}

TEST(LlmBenchClientFailures, SilentServerEndsTheRunAfterTheTimeout) {
  Socket silent(true);  // the kernel accepts the connection; nobody ever reads or answers
  HttpStreamClient client("127.0.0.1", silent.port, std::chrono::milliseconds(500),
                          std::chrono::steady_clock::now());
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = run_benchmark(client, config(1), three_requests());
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 5.0);
  EXPECT_NE(r.stopped.find("did not answer for 0.5 s"), std::string::npos) << r.stopped;
  ASSERT_EQ(r.outputs.size(), 3u);
  EXPECT_NE(r.outputs[0].error.find("--timeout"), std::string::npos) << r.outputs[0].error;
  for (size_t i = 1; i < 3; ++i) EXPECT_NE(r.outputs[i].error.find("not sent"), std::string::npos);
  for (const RequestOutput& o : r.outputs) EXPECT_FALSE(o.success);
}

TEST(LlmBenchClientFailures, StreamCutBeforeDoneFails) {
  Socket server(true);
  std::thread peer([&] {
    const int c = ::accept(server.fd, nullptr, nullptr);
    char buf[4096];
    (void)::recv(c, buf, sizeof buf, 0);
    const std::string chunk = "data: {\"choices\":[{\"index\":0,\"text\":\"hi\"}]}\n\n";
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    const std::string reply =
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
        std::string(size) + chunk + "\r\n";
    (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);  // gone before [DONE] and before the last chunk
  });
  HttpStreamClient client("127.0.0.1", server.port, std::chrono::seconds(5),
                          std::chrono::steady_clock::now());
  const std::vector<SampleRequest> one{{"a", 2, 4}};
  const RunResult r = run_benchmark(client, config(1), one);
  peer.join();
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_FALSE(r.outputs[0].success);
  EXPECT_FALSE(r.outputs[0].error.empty());
  EXPECT_TRUE(r.stopped.empty());
}

TEST(LlmBenchClientFailures, RequestBodyIsVllms) {
  RunConfig c = config(1);
  c.ignore_eos = true;
  c.extra_body = {{"temperature", 0}};
  const auto body = request_body(c, {"hello", 2, 7});
  EXPECT_EQ(body["prompt"], "hello");
  EXPECT_EQ(body["max_tokens"], 7);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["ignore_eos"], true);
  EXPECT_EQ(body["temperature"], 0);
  c.kind = ApiKind::kChat;
  const auto chat = request_body(c, {"hello", 2, 7});
  EXPECT_EQ(chat["messages"][0]["content"], "hello");
  EXPECT_EQ(chat["max_completion_tokens"], 7);
}

}  // namespace
}  // namespace llmc::bench
