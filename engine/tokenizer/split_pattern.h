// What Split-like components split on, and how the pieces around the matches are kept. Mirrors the
// `Pattern` and `SplitDelimiterBehavior` semantics of Hugging Face `tokenizers` (NormalizedString::split).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/tokenizer/regex.h"

namespace llmc {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Reads "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous".
SplitBehavior parse_split_behavior(const nlohmann::json& value, std::string_view where);

class SplitPattern {
 public:
  using Predicate = bool (*)(char32_t);
  // {"String": "..."} (a literal) or {"Regex": "..."} (Oniguruma syntax).
  static SplitPattern from_json(const nlohmann::json& pattern, std::string_view where);
  static SplitPattern literal(std::string text);
  // Every character for which `predicate` holds is a match of its own.
  static SplitPattern predicate(Predicate predicate);

  // Appends the non-overlapping matches in `text`, left to right.
  void find_matches(std::string_view text, std::vector<Span>& out) const;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
  Predicate predicate_ = nullptr;
};

// Splits [0, n) at `matches` (sorted, non-overlapping) the way `behavior` says; `invert` swaps what counts as a
// match. Appends the kept, non-empty spans to `out`.
void apply_split(uint32_t n, std::span<const Span> matches, SplitBehavior behavior, bool invert,
                 std::vector<Span>& out);

// Replaces every match of `pattern` in `text` with `content`.
std::string replace_all(const SplitPattern& pattern, std::string_view text, std::string_view content);

}  // namespace llmc
