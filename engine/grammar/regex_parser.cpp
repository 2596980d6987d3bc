#include "engine/grammar/regex_parser.h"

#include <string>
#include <vector>

#include "common/check.h"
#include "engine/grammar/char_class.h"
#include "engine/grammar/json_lexicon.h"

namespace llmc::grammar {
namespace {

constexpr int32_t kMaxRepeat = 100000;

// Decodes UTF-8, throwing on ill-formed input.
std::vector<uint32_t> decode(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    int n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    LLMC_CHECK(n > 0 && i + n <= s.size()) << "regex: ill-formed UTF-8 at byte " << i;
    uint32_t c = n == 1 ? b : b & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
      const auto cb = static_cast<uint8_t>(s[i + k]);
      LLMC_CHECK((cb & 0xC0) == 0x80) << "regex: ill-formed UTF-8 at byte " << i;
      c = (c << 6) | (cb & 0x3F);
    }
    out.push_back(c);
    i += static_cast<size_t>(n);
  }
  return out;
}

int hex_digit(uint32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

bool is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

class RegexParser {
 public:
  RegexParser(Grammar& g, std::string_view pattern, JsonLexicon* json)
      : g_(g), json_(json), source_(pattern), cps_(decode(pattern)) {}

  RegexExpr parse() {
    RegexExpr out;
    if (pos_ < cps_.size() && cps_[pos_] == '^') {
      out.anchored_start = true;
      ++pos_;
    }
    out.expr = alternation(0);
    if (pos_ < cps_.size() && cps_[pos_] == '$') {
      out.anchored_end = true;
      ++pos_;
    }
    if (pos_ < cps_.size()) fail(cps_[pos_] == ')' ? "unbalanced ')'" : "unexpected character");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    LLMC_FAIL() << "regex /" << source_ << "/: " << what << " at character " << pos_;
  }
  bool at(uint32_t c) const { return pos_ < cps_.size() && cps_[pos_] == c; }
  bool done() const { return pos_ >= cps_.size(); }
  uint32_t next() {
    if (done()) fail("unexpected end of pattern");
    return cps_[pos_++];
  }
  ExprId chars(const CharClass& c) { return json_ ? json_->char_of(c) : utf8_expr(g_, c); }

  ExprId alternation(int depth) {
    std::vector<ExprId> options{concat(depth)};
    while (at('|')) {
      ++pos_;
      options.push_back(concat(depth));
    }
    return g_.alt(std::move(options));
  }

  ExprId concat(int depth) {
    std::vector<ExprId> parts;
    while (!done() && !at('|') && !at(')')) {
      if (at('$')) {
        if (depth == 0 && pos_ + 1 == cps_.size()) break;  // the final anchor
        fail("'$' is supported only at the end of the pattern");
      }
      parts.push_back(quantified(depth));
    }
    return g_.seq(std::move(parts));
  }

  // {n}, {n,}, {n,m}; false (position unchanged) when the brace does not start a quantifier.
  bool counted(int32_t& min, int32_t& max) {
    size_t p = pos_ + 1;
    auto number = [&](int32_t& v) {
      if (p >= cps_.size() || !is_digit(cps_[p])) return false;
      int64_t n = 0;
      while (p < cps_.size() && is_digit(cps_[p])) n = std::min<int64_t>(n * 10 + (cps_[p++] - '0'), kMaxRepeat + 1);
      v = static_cast<int32_t>(n);
      return true;
    };
    if (!number(min)) return false;
    max = min;
    if (p < cps_.size() && cps_[p] == ',') {
      ++p;
      max = -1;
      number(max);
    }
    if (p >= cps_.size() || cps_[p] != '}') return false;
    pos_ = p + 1;
    if (min > kMaxRepeat || max > kMaxRepeat) fail("repetition count above " + std::to_string(kMaxRepeat));
    if (max >= 0 && max < min) fail("repetition {" + std::to_string(min) + "," + std::to_string(max) + "}");
    return true;
  }

  ExprId quantified(int depth) {
    ExprId e = atom(depth);
    bool quantified_once = false;
    while (!done()) {
      int32_t min = 0;
      int32_t max = -1;
      if (at('*')) {
        ++pos_;
      } else if (at('+')) {
        ++pos_, min = 1;
      } else if (at('?')) {
        ++pos_, max = 1;
      } else if (at('{') && counted(min, max)) {
      } else {
        break;
      }
      if (quantified_once) fail("a quantifier cannot follow another");
      quantified_once = true;
      e = g_.repeat(e, min, max);
      if (at('?')) ++pos_;  // lazy: the same language
      if (at('+')) fail("possessive quantifiers are not supported");
    }
    return e;
  }

  ExprId atom(int depth) {
    const uint32_t c = next();
    switch (c) {
      case '(': {
        if (at('?')) {
          ++pos_;
          if (at(':')) {
            ++pos_;
          } else if (at('<') || at('P')) {
            if (at('P')) ++pos_;
            if (!at('<')) fail("unsupported group syntax");
            while (!done() && !at('>')) ++pos_;
            if (done()) fail("unterminated group name");
            ++pos_;
            if (at('=') || at('!')) fail("lookbehind is not supported");
          } else {
            fail("lookaround, inline flags and other (? groups are not supported");
          }
        }
        const ExprId inner = alternation(depth + 1);
        if (!at(')')) fail("missing ')'");
        ++pos_;
        return inner;
      }
      case ')':
        fail("unbalanced ')'");
      case '[':
        return chars(class_body());
      case '.': {
        CharClass nl = CharClass::of('\n');
        nl.add('\r', '\r');
        nl.add(0x2028, 0x2029);
        return chars(nl.negated());
      }
      case '*':
      case '+':
      case '?':
        fail("nothing to repeat");
      case '^':
        fail("'^' is supported only at the start of the pattern");
      case '\\':
        return chars(escape(false));
      default:
        return chars(CharClass::of(c));
    }
  }

  // After a backslash; in a class, \b is a backspace.
  CharClass escape(bool in_class) {
    const uint32_t c = next();
    switch (c) {
      case 'd':
        return CharClass::digit();
      case 'D':
        return CharClass::digit().negated();
      case 'w':
        return CharClass::word();
      case 'W':
        return CharClass::word().negated();
      case 's':
        return CharClass::space();
      case 'S':
        return CharClass::space().negated();
      case 'n':
        return CharClass::of('\n');
      case 'r':
        return CharClass::of('\r');
      case 't':
        return CharClass::of('\t');
      case 'f':
        return CharClass::of('\f');
      case 'v':
        return CharClass::of('\v');
      case '0':
        return CharClass::of(0);
      case 'x':
      case 'u':
        return CharClass::of(hex_escape(c == 'x' ? 2 : 4));
      case 'b':
        if (in_class) return CharClass::of('\b');
        fail("word boundaries are not supported");
      default:
        break;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) {
      fail(std::string("unsupported escape \\") + static_cast<char>(c));
    }
    return CharClass::of(c);  // escaped punctuation or any other character stands for itself
  }

  uint32_t hex_escape(int digits) {
    uint32_t v = 0;
    if (at('{')) {
      ++pos_;
      int n = 0;
      while (!at('}')) {
        const int d = hex_digit(next());
        if (d < 0 || ++n > 6) fail("bad hex escape");
        v = v * 16 + static_cast<uint32_t>(d);
      }
      ++pos_;
    } else {
      for (int k = 0; k < digits; ++k) {
        const int d = hex_digit(next());
        if (d < 0) fail("bad hex escape");
        v = v * 16 + static_cast<uint32_t>(d);
      }
    }
    if (v > kMaxCodePoint || (v >= 0xD800 && v <= 0xDFFF)) fail("escape is not a Unicode scalar value");
    return v;
  }

  bool posix_class(CharClass& out) {
    static const std::pair<const char*, const char*> kNames[] = {
        {"alpha", "AZaz"}, {"digit", "09"}, {"alnum", "09AZaz"}, {"upper", "AZ"},
        {"lower", "az"},   {"space", "\t\r  "}, {"xdigit", "09AFaf"}};
    if (!at('[') || pos_ + 1 >= cps_.size() || cps_[pos_ + 1] != ':') return false;
    for (const auto& [name, ranges] : kNames) {
      const std::string n = std::string("[:") + name + ":]";
      bool match = pos_ + n.size() <= cps_.size();
      for (size_t k = 0; match && k < n.size(); ++k) match = cps_[pos_ + k] == static_cast<uint8_t>(n[k]);
      if (!match) continue;
      for (const char* r = ranges; *r; r += 2) out.add(static_cast<uint8_t>(r[0]), static_cast<uint8_t>(r[1]));
      pos_ += n.size();
      return true;
    }
    fail("unsupported POSIX class");
  }

  // After '['; consumes through the closing ']'.
  CharClass class_body() {
    const bool negate = at('^');
    if (negate) ++pos_;
    CharClass set;
    bool first = true;
    while (true) {
      if (done()) fail("missing ']'");
      if (at(']') && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (posix_class(set)) continue;
      CharClass lo_set;
      uint32_t lo = next();
      if (lo == '\\') {
        lo_set = escape(true);
      } else {
        lo_set = CharClass::of(lo);
      }
      const bool single = lo_set.ranges().size() == 1 && lo_set.ranges()[0].lo == lo_set.ranges()[0].hi;
      if (single && at('-') && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']') {
        ++pos_;
        uint32_t hi = next();
        if (hi == '\\') {
          const CharClass h = escape(true);
          if (h.ranges().size() != 1 || h.ranges()[0].lo != h.ranges()[0].hi) fail("bad range end");
          hi = h.ranges()[0].lo;
        }
        const uint32_t l = lo_set.ranges()[0].lo;
        if (hi < l) fail("range out of order");
        set.add(l, hi);
        continue;
      }
      set.add(lo_set);
    }
    return negate ? set.negated() : set;
  }

  Grammar& g_;
  JsonLexicon* json_;
  std::string_view source_;
  std::vector<uint32_t> cps_;
  size_t pos_ = 0;
};

}  // namespace

RegexExpr regex_expr(Grammar& g, std::string_view pattern, JsonLexicon* json) {
  return RegexParser(g, pattern, json).parse();
}

}  // namespace llmc::grammar
