// Splits a server-sent-events byte stream into messages: each message is the text between blank lines with
// its "data:" prefixes removed (several data lines join with "\n"); comment lines (": ping") are dropped.
// Bytes may arrive cut anywhere, even inside "\r\n"; a message is returned only once its blank line is seen.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmc::bench {

class SseSplitter {
 public:
  // The complete messages the new bytes finished, in order.
  std::vector<std::string> feed(std::string_view bytes);
  // Bytes held back: a message that has not ended yet.
  bool has_partial() const;

 private:
  std::string buffer_;
};

}  // namespace llmc::bench
