#include "engine/tokenizer/split_pattern.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/check.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

struct Event {
  Span span;
  bool is_match;
};

}  // namespace

SplitBehavior parse_split_behavior(const nlohmann::json& value, std::string_view where) {
  LLMC_CHECK(value.is_string()) << where << ": split behavior must be a string, got " << value.dump();
  const auto& s = value.get_ref<const std::string&>();
  if (s == "Removed") return SplitBehavior::kRemoved;
  if (s == "Isolated") return SplitBehavior::kIsolated;
  if (s == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (s == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (s == "Contiguous") return SplitBehavior::kContiguous;
  LLMC_FAIL() << where << ": unknown split behavior '" << s
              << "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)";
}

SplitPattern SplitPattern::from_json(const nlohmann::json& pattern, std::string_view where) {
  LLMC_CHECK(pattern.is_object() && pattern.size() == 1)
      << where << ": pattern must be {\"String\": ...} or {\"Regex\": ...}, got " << pattern.dump();
  const auto it = pattern.begin();
  const std::string& kind = it.key();
  const nlohmann::json& value = it.value();
  LLMC_CHECK(value.is_string()) << where << ": pattern " << kind << " must be a string";
  if (kind == "String") return literal(value.get<std::string>());
  LLMC_CHECK(kind == "Regex") << where << ": unknown pattern kind '" << kind << "' (expected String or Regex)";
  SplitPattern p;
  p.regex_ = Regex::from_oniguruma(value.get_ref<const std::string&>(), where);
  return p;
}

SplitPattern SplitPattern::literal(std::string text) {
  SplitPattern p;
  p.literal_ = std::move(text);
  return p;
}

SplitPattern SplitPattern::predicate(Predicate predicate) {
  SplitPattern p;
  p.predicate_ = predicate;
  return p;
}

void SplitPattern::find_matches(std::string_view text, std::vector<Span>& out) const {
  if (regex_) return regex_->find_all(text, out);
  if (predicate_) {
    size_t i = 0;
    while (i < text.size()) {
      const size_t start = i;
      const char32_t c = utf8::next_code_point(text, i);
      if (predicate_(c)) out.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(i)});
    }
    return;
  }
  if (literal_.empty()) return;
  for (size_t at = text.find(literal_); at != std::string_view::npos; at = text.find(literal_, at + literal_.size())) {
    out.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(at + literal_.size())});
  }
}

void apply_split(uint32_t n, std::span<const Span> matches, SplitBehavior behavior, bool invert,
                 std::vector<Span>& out) {
  thread_local std::vector<Event> events;
  events.clear();
  uint32_t prev = 0;
  for (const Span& m : matches) {
    if (prev != m.begin) events.push_back({{prev, m.begin}, invert});
    events.push_back({m, !invert});
    prev = m.end;
  }
  if (prev != n) events.push_back({{prev, n}, invert});

  thread_local std::vector<Span> kept;
  kept.clear();
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Event& e : events) if (!e.is_match) kept.push_back(e.span);
      break;
    case SplitBehavior::kIsolated:
      for (const Event& e : events) kept.push_back(e.span);
      break;
    case SplitBehavior::kContiguous:
      for (const Event& e : events) {
        if (e.is_match == previous_match && !kept.empty()) kept.back().end = e.span.end;
        else kept.push_back(e.span);
        previous_match = e.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Event& e : events) {
        if (e.is_match && !previous_match && !kept.empty()) kept.back().end = e.span.end;
        else kept.push_back(e.span);
        previous_match = e.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty()) kept.back().begin = it->span.begin;
        else kept.push_back(it->span);
        previous_match = it->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
  }
  for (const Span& s : kept) if (s.end > s.begin) out.push_back(s);
}

std::string replace_all(const SplitPattern& pattern, std::string_view text, std::string_view content) {
  thread_local std::vector<Span> matches;
  matches.clear();
  pattern.find_matches(text, matches);
  std::string out;
  out.reserve(text.size());
  uint32_t prev = 0;
  for (const Span& m : matches) {
    out.append(text.substr(prev, m.begin - prev)).append(content);
    prev = m.end;
  }
  out.append(text.substr(prev));
  return out;
}

}  // namespace llmc
