#include "engine/grammar/char_class.h"

#include <algorithm>

#include "common/check.h"
#include "engine/tokenizer/utf8.h"

namespace llmc::grammar {
namespace {

constexpr uint32_t kSurrogateLo = 0xD800;
constexpr uint32_t kSurrogateHi = 0xDFFF;

int utf8_length(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

// Appends the byte-range sequences of [lo, hi] (same encoded length, no surrogates) to `out`.
void split_range(uint32_t lo, uint32_t hi, std::vector<std::vector<std::pair<uint8_t, uint8_t>>>& out) {
  const int n = utf8_length(lo);
  // Split until lo and hi differ only in a way every byte position can express as an independent range:
  // for each continuation suffix of k bytes, lo's suffix must be all-zero and hi's all-ones unless the
  // bytes above agree.
  for (int k = 1; k < n; ++k) {
    const uint32_t m = (1u << (6 * k)) - 1;
    if ((lo & ~m) != (hi & ~m)) {
      if ((lo & m) != 0) {
        split_range(lo, lo | m, out);
        split_range((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) != m) {
        split_range(lo, (hi & ~m) - 1, out);
        split_range(hi & ~m, hi, out);
        return;
      }
    }
  }
  const std::string a = encode_utf8(lo);
  const std::string b = encode_utf8(hi);
  std::vector<std::pair<uint8_t, uint8_t>> seq;
  for (size_t i = 0; i < a.size(); ++i) seq.emplace_back(static_cast<uint8_t>(a[i]), static_cast<uint8_t>(b[i]));
  out.push_back(std::move(seq));
}

}  // namespace

std::string encode_utf8(uint32_t c) {
  std::string s;
  utf8::append_code_point(s, static_cast<char32_t>(c));
  return s;
}

CharClass CharClass::range(uint32_t lo, uint32_t hi) {
  CharClass c;
  c.add(lo, hi);
  return c;
}

CharClass CharClass::any() { return range(0, kMaxCodePoint); }
CharClass CharClass::digit() { return range('0', '9'); }

CharClass CharClass::word() {
  CharClass c = range('0', '9');
  c.add('A', 'Z');
  c.add('a', 'z');
  c.add('_', '_');
  return c;
}

CharClass CharClass::space() {
  CharClass c = range('\t', '\r');  // \t \n \v \f \r
  c.add(' ', ' ');
  return c;
}

void CharClass::add(uint32_t lo, uint32_t hi) {
  LLMC_CHECK(lo <= hi && hi <= kMaxCodePoint) << "character range " << lo << "-" << hi << " is not valid";
  // Surrogates are not scalar values: cut them out.
  if (lo <= kSurrogateHi && hi >= kSurrogateLo) {
    if (lo < kSurrogateLo) add(lo, kSurrogateLo - 1);
    if (hi > kSurrogateHi) add(kSurrogateHi + 1, hi);
    return;
  }
  ranges_.push_back({lo, hi});
  std::sort(ranges_.begin(), ranges_.end(), [](const CodePointRange& a, const CodePointRange& b) { return a.lo < b.lo; });
  std::vector<CodePointRange> merged;
  for (const CodePointRange& r : ranges_) {
    if (!merged.empty() && r.lo <= merged.back().hi + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

void CharClass::add(const CharClass& other) {
  for (const CodePointRange& r : other.ranges_) add(r.lo, r.hi);
}

CharClass CharClass::negated() const {
  CharClass out;
  uint32_t next = 0;
  for (const CodePointRange& r : ranges_) {
    if (r.lo > next) out.add(next, r.lo - 1);
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) out.add(next, kMaxCodePoint);
  return out;
}

CharClass CharClass::minus(const CharClass& other) const {
  CharClass both = negated();
  both.add(other);
  return both.negated();
}

bool CharClass::contains(uint32_t c) const {
  for (const CodePointRange& r : ranges_) {
    if (c >= r.lo && c <= r.hi) return true;
  }
  return false;
}

ExprId utf8_expr(Grammar& g, const CharClass& set) {
  std::vector<std::vector<std::pair<uint8_t, uint8_t>>> seqs;
  for (const CodePointRange& r : set.ranges()) {
    // Cut at the encoded-length boundaries first.
    uint32_t lo = r.lo;
    for (const uint32_t limit : {0x7Fu, 0x7FFu, 0xFFFFu, kMaxCodePoint}) {
      if (lo > r.hi) break;
      if (lo > limit) continue;
      const uint32_t hi = std::min(r.hi, limit);
      split_range(lo, hi, seqs);
      lo = hi + 1;
    }
  }
  // Single bytes share one byte set; longer sequences become alternatives.
  ByteSet single;
  std::vector<ExprId> options;
  for (const auto& seq : seqs) {
    if (seq.size() == 1) {
      for (int b = seq[0].first; b <= seq[0].second; ++b) single.set(static_cast<size_t>(b));
      continue;
    }
    std::vector<ExprId> parts;
    for (const auto& [a, b] : seq) parts.push_back(g.byte_range(a, b));
    options.push_back(g.seq(std::move(parts)));
  }
  if (single.any()) options.insert(options.begin(), g.bytes(single));
  return g.alt(std::move(options));
}

}  // namespace llmc::grammar
