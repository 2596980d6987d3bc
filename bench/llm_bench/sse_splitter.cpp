#include "bench/llm_bench/sse_splitter.h"

namespace llmc::bench {

namespace {

// One event's lines -> its data (SSE: "data:" then an optional space; other fields are not used by OpenAI).
std::string event_data(std::string_view event) {
  std::string data;
  bool any = false;
  while (!event.empty()) {
    const size_t end = event.find('\n');
    std::string_view line = event.substr(0, end);
    event = end == std::string_view::npos ? std::string_view{} : event.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("data:", 0) != 0) continue;  // comments (":") and other fields
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (any) data += '\n';
    data += line;
    any = true;
  }
  return data;
}

}  // namespace

std::vector<std::string> SseSplitter::feed(std::string_view bytes) {
  buffer_.append(bytes);
  std::vector<std::string> messages;
  size_t start = 0;
  while (true) {
    // An event ends at an empty line: "\n\n" or "\r\n\r\n" (mixed endings too).
    size_t pos = start, end = std::string::npos, next = 0;
    while (pos < buffer_.size()) {
      const size_t nl = buffer_.find('\n', pos);
      if (nl == std::string::npos) break;
      const size_t after = nl + 1;
      if (after < buffer_.size() && buffer_[after] == '\n') {
        end = nl;
        next = after + 1;
        break;
      }
      if (after + 1 < buffer_.size() && buffer_[after] == '\r' && buffer_[after + 1] == '\n') {
        end = nl;
        next = after + 2;
        break;
      }
      pos = after;
    }
    if (end == std::string::npos) break;
    std::string data = event_data(std::string_view(buffer_).substr(start, end - start));
    if (!data.empty()) messages.push_back(std::move(data));
    start = next;
  }
  buffer_.erase(0, start);
  return messages;
}

bool SseSplitter::has_partial() const { return buffer_.find_first_not_of("\r\n") != std::string::npos; }

}  // namespace llmc::bench
