// Finds marker strings ("<tool_call>", "[TOOL_CALLS]", "</think>") in text that arrives a byte at a time.
// Text that might still be the start of a marker is held back until it is known not to be; optionally,
// whitespace right before a marker is dropped (so "Let me check.\n\n<tool_call>" gives the content "Let me
// check.").
#pragma once

#include <string>
#include <vector>

namespace llmc::tools {

class MarkerScanner {
 public:
  MarkerScanner(std::vector<std::string> markers, bool drop_space_before_marker);

  // One byte. Text known not to be part of a marker is appended to `out`. Returns the index of the marker
  // this byte completed, or -1.
  int feed(char c, std::string& out);
  // The output ended: held text is text after all; held whitespace too unless `drop_space`.
  void flush(std::string& out, bool drop_space = false);
  // The whitespace dropped before the marker the last feed() completed (to give back if that marker turns out
  // not to start anything).
  const std::string& dropped_space() const { return dropped_; }

 private:
  bool is_marker_prefix(const std::string& s) const;

  std::vector<std::string> markers_;
  bool drop_space_;
  std::string held_;   // a proper prefix of some marker
  std::string space_;  // whitespace before held_ (kept back only when drop_space_)
  std::string dropped_;
};

bool is_space(char c);

}  // namespace llmc::tools
