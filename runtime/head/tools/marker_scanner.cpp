#include "runtime/head/tools/marker_scanner.h"

namespace llmc::tools {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

MarkerScanner::MarkerScanner(std::vector<std::string> markers, bool drop_space_before_marker)
    : markers_(std::move(markers)), drop_space_(drop_space_before_marker) {}

bool MarkerScanner::is_marker_prefix(const std::string& s) const {
  for (const std::string& m : markers_) {
    if (m.size() > s.size() && m.compare(0, s.size(), s) == 0) return true;
  }
  return false;
}

int MarkerScanner::feed(char c, std::string& out) {
  held_ += c;
  for (size_t i = 0; i < markers_.size(); ++i) {
    if (held_ == markers_[i]) {
      held_.clear();
      dropped_ = std::move(space_);
      space_.clear();
      return static_cast<int>(i);
    }
  }
  // Release text from the front until what is left could start a marker.
  while (!held_.empty() && !is_marker_prefix(held_)) {
    const char first = held_.front();
    held_.erase(0, 1);
    if (drop_space_ && is_space(first)) {
      space_ += first;
    } else {
      out += space_;
      space_.clear();
      out += first;
    }
  }
  return -1;
}

void MarkerScanner::flush(std::string& out, bool drop_space) {
  // Held text is not a marker; whitespace before it stays with it.
  if (!held_.empty() || !drop_space) out += space_;
  out += held_;
  space_.clear();
  held_.clear();
}

}  // namespace llmc::tools
