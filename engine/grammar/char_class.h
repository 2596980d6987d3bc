// Sets of Unicode scalar values (what regex and GBNF character classes denote) and their UTF-8 form as a
// grammar expression: constraints are matched byte by byte, so a class of code points becomes an
// alternation of byte-range sequences (the construction RE2 and Rust's regex-syntax use), which lets a token
// that ends inside a multi-byte character be accepted exactly when some character can complete it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

struct CodePointRange {
  uint32_t lo = 0;
  uint32_t hi = 0;  // inclusive
};

class CharClass {
 public:
  CharClass() = default;
  static CharClass of(uint32_t c) { return range(c, c); }
  static CharClass range(uint32_t lo, uint32_t hi);
  static CharClass any();    // every scalar value
  static CharClass digit();  // [0-9]
  static CharClass word();   // [0-9A-Za-z_]
  static CharClass space();  // [ \t\n\r\f\v]

  void add(uint32_t lo, uint32_t hi);
  void add(const CharClass& other);
  // Every scalar value not in this set (surrogates are never members).
  CharClass negated() const;
  CharClass minus(const CharClass& other) const;
  bool contains(uint32_t c) const;
  bool empty() const { return ranges_.empty(); }
  // Sorted, disjoint, non-adjacent, without surrogates.
  const std::vector<CodePointRange>& ranges() const { return ranges_; }

 private:
  std::vector<CodePointRange> ranges_;
};

// One character of `set` as UTF-8 bytes (an empty set matches nothing).
ExprId utf8_expr(Grammar& g, const CharClass& set);

// UTF-8 encoding of one scalar value.
std::string encode_utf8(uint32_t c);

}  // namespace llmc::grammar
