// A compiled regular expression for the tokenizer (PCRE2, UTF + UCP, JIT-compiled).
//
// Hugging Face `tokenizers` runs its patterns through Oniguruma; Regex::from_oniguruma translates the parts of
// that syntax PCRE2 reads differently (see oniguruma_syntax.h) before compiling. Matching is thread-safe: the
// compiled code is shared and read-only, each thread keeps its own match data and JIT stack.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmc {

// A byte range [begin, end) inside some string.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
};

class Regex {
 public:
  // Compiles a PCRE2-syntax pattern; throws llmc::Error naming `where` and the PCRE2 message on failure.
  Regex(std::string_view pcre2_pattern, std::string_view where);
  // Translates an Oniguruma (Ruby syntax) pattern first, then compiles it.
  static std::unique_ptr<Regex> from_oniguruma(std::string_view pattern, std::string_view where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends every non-overlapping match in `text` (well-formed UTF-8), left to right, to `out`. An empty match
  // right where the previous match ended is skipped, as in Oniguruma's iterator.
  void find_all(std::string_view text, std::vector<Span>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::string where_;
  void* code_ = nullptr;  // pcre2_code_8*, kept opaque so callers do not include pcre2.h
};

}  // namespace llmc
