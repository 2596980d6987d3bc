#include "runtime/head/stop_string_matcher.h"

#include <algorithm>

#include "common/check.h"

namespace llmc {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stops, bool include_stop_in_output)
    : stops_(std::move(stops)), include_(include_stop_in_output) {
  for (const std::string& s : stops_) LLMC_CHECK(!s.empty()) << "StopStringMatcher: empty stop string";
}

size_t StopStringMatcher::hold_length() const {
  // Longest suffix of pending_ that is a proper prefix of some stop string.
  size_t best = 0;
  for (const std::string& stop : stops_) {
    const size_t max_len = std::min(stop.size() - 1, pending_.size());
    for (size_t len = max_len; len > best; --len) {
      if (std::string_view(pending_).substr(pending_.size() - len) == std::string_view(stop).substr(0, len)) {
        best = len;
        break;
      }
    }
  }
  return best;
}

std::string StopStringMatcher::push(std::string_view text, bool check) {
  if (matched_) return {};
  pending_.append(text);
  if (check && !stops_.empty()) {
    // The earliest match wins; among stops matching at the same place, the first listed.
    size_t best_pos = std::string::npos;
    const std::string* best = nullptr;
    for (const std::string& stop : stops_) {
      const size_t pos = pending_.find(stop);
      if (pos < best_pos) {
        best_pos = pos;
        best = &stop;
      }
    }
    if (best != nullptr) {
      std::string out = pending_.substr(0, best_pos + (include_ ? best->size() : 0));
      matched_ = *best;
      pending_.clear();
      return out;
    }
  }
  const size_t keep = hold_length();
  std::string out = pending_.substr(0, pending_.size() - keep);
  pending_.erase(0, pending_.size() - keep);
  return out;
}

std::string StopStringMatcher::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace llmc
