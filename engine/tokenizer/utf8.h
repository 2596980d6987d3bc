// UTF-8 helpers shared by the tokenizer stages. The encode path validates its input once (validate_utf8), so
// everything after it may assume well-formed UTF-8 and decode without checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmc::utf8 {

// Byte length of the sequence a lead byte starts (1 for ASCII and for stray bytes, so loops always advance).
inline size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Decodes the code point at s[i] of well-formed UTF-8 and advances i past it.
inline char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const size_t n = sequence_length(b0);
  char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return cp;
}

// Appends the UTF-8 encoding of cp.
void append_code_point(std::string& out, char32_t cp);

// Returns the byte offset of the first ill-formed sequence, or npos when s is well-formed UTF-8
// (no overlongs, no surrogates, nothing above U+10FFFF).
size_t find_invalid(std::string_view s);

inline bool is_valid(std::string_view s) { return find_invalid(s) == std::string_view::npos; }

// Appends bytes as text, replacing each maximal ill-formed subpart with U+FFFD (the Unicode "substitution of
// maximal subparts" rule, which is what Rust's String::from_utf8_lossy does).
void append_lossy(std::string& out, std::string_view bytes);

// True when s ends with U+FFFD, the mark a lossy decode leaves for a character still incomplete.
inline bool ends_with_replacement(std::string_view s) {
  return s.size() >= 3 && s.substr(s.size() - 3) == "\xEF\xBF\xBD";
}

}  // namespace llmc::utf8
