#include "tests/unit/http/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace llmc::http_test {

namespace http = boost::beast::http;

Connection::Connection(uint16_t port, int timeout_ms) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed: " + why);
  }
}

Connection::~Connection() { close(); }

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Connection::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
}

void Connection::send_request(const std::string& method, const std::string& target, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    r += k + ": " + v + "\r\n";
    has_type = has_type || k == "Content-Type";
  }
  if (!has_type && !body.empty()) r += "Content-Type: application/json\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  send(r);
}

std::string Connection::read_some() {
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0) throw std::runtime_error(std::string("recv failed or timed out: ") + std::strerror(errno));
  return std::string(buf, static_cast<size_t>(n));
}

bool Connection::closed_by_server() {
  try {
    while (true) {
      if (read_some().empty()) return true;
    }
  } catch (const std::runtime_error&) {
    return errno == ECONNRESET;
  }
}

ClientResponse Connection::read_response() {
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1ull << 30);
  while (!parser.is_done()) {
    if (!pending_.empty()) {
      boost::system::error_code ec;
      const size_t used = parser.put(boost::asio::buffer(pending_), ec);
      if (ec && ec != http::error::need_more) throw std::runtime_error("bad response: " + ec.message());
      pending_.erase(0, used);
      if (parser.is_done()) break;
      if (used > 0 && !ec) continue;
    }
    const std::string more = read_some();
    if (more.empty()) {
      boost::system::error_code ec;
      parser.put_eof(ec);
      if (ec) throw std::runtime_error("connection closed mid-response");
      break;
    }
    pending_ += more;
  }
  ClientResponse out;
  const auto& msg = parser.get();
  out.status = static_cast<int>(msg.result_int());
  for (const auto& f : msg) {
    std::string name(f.name_string().data(), f.name_string().size());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value().data(), f.value().size());
  }
  out.body = msg.body();
  return out;
}

ClientResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                            const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
  Connection c(port);
  c.send_request(method, target, body, headers);
  return c.read_response();
}

std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.compare(pos, 6, "data: ") != 0)
      throw std::runtime_error("not an SSE event at " + std::to_string(pos));
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) throw std::runtime_error("unterminated SSE event");
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end + 2;
  }
  return out;
}

}  // namespace llmc::http_test
