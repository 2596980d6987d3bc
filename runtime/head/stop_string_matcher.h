// Finds `stop` strings in a sequence's streamed text without ever letting one leak out.
//
// Text arrives in pieces (one per token). A piece may complete a stop string that began pieces ago, so the
// matcher holds back the longest tail of the text that is still a prefix of some stop string, and releases it
// once it can no longer become one. On a match the output ends at the stop string's start (or its end with
// include_stop_str_in_output) and everything after it is dropped. Matching is on bytes: for UTF-8 stop strings
// a match always starts at a character boundary, so released text stays valid UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmc {

class StopStringMatcher {
 public:
  StopStringMatcher() = default;
  StopStringMatcher(std::vector<std::string> stops, bool include_stop_in_output);

  // Appends `text`; returns what may be emitted now. With check == false (still below min_tokens) no stop is
  // matched, but text that could start a stop string is still held back for later pieces.
  std::string push(std::string_view text, bool check = true);
  // Releases the held-back text (the sequence ended for another reason).
  std::string flush();
  // The stop string that ended the text, once matched; push() then returns nothing more.
  const std::optional<std::string>& matched() const { return matched_; }

 private:
  size_t hold_length() const;

  std::vector<std::string> stops_;
  bool include_ = false;
  std::string pending_;  // text not yet emitted
  std::optional<std::string> matched_;
};

}  // namespace llmc
