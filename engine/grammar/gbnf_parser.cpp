#include "engine/grammar/gbnf_parser.h"

#include <string>
#include <vector>

#include "common/check.h"
#include "engine/grammar/char_class.h"

namespace llmc::grammar {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

class GbnfParser {
 public:
  explicit GbnfParser(std::string_view text) : text_(text) {}

  Grammar parse() {
    // First pass: declare every rule so bodies may refer to rules defined later.
    skip_space();
    std::vector<std::pair<std::string, size_t>> heads;
    while (!done()) {
      const size_t at_name = pos_;
      const std::string name = rule_head();
      if (g_.find_rule(name) >= 0) fail_at(at_name, "rule '" + name + "' is defined twice");
      g_.add_rule(name);
      heads.emplace_back(name, pos_);
      skip_body();
    }
    for (const auto& [name, body_at] : heads) {
      pos_ = body_at;
      const ExprId body = alternation(0);
      skip_space();
      if (!done() && !at_rule_head()) fail("unexpected character '" + std::string(1, text_[pos_]) + "'");
      g_.set_body(g_.find_rule(name), body);
    }
    for (const auto& [name, at] : undefined_) {
      if (g_.rule(g_.find_rule(name)).body < 0) fail_at(at, "undefined rule '" + name + "'");
    }
    const RuleId root = g_.find_rule("root");
    LLMC_CHECK(root >= 0) << "grammar: no 'root' rule (the start rule must be named root)";
    g_.set_root(root);
    return std::move(g_);
  }

 private:
  [[noreturn]] void fail_at(size_t at, const std::string& what) const {
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    LLMC_FAIL() << "grammar: " << what << " at line " << line << ", column " << col;
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }
  bool done() const { return pos_ >= text_.size(); }
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  void skip_space() {
    while (!done()) {
      if (text_[pos_] == '#') {
        while (!done() && text_[pos_] != '\n') ++pos_;
      } else if (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  std::string name() {
    const size_t start = pos_;
    while (!done() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a rule name");
    return std::string(text_.substr(start, pos_ - start));
  }

  bool at_rule_head() const {
    size_t p = pos_;
    while (p < text_.size() && is_name_char(text_[p])) ++p;
    if (p == pos_) return false;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    return text_.substr(p, 3) == "::=";
  }

  std::string rule_head() {
    if (!at_rule_head()) fail("expected 'name ::='");
    std::string n = name();
    skip_space();
    pos_ += 3;
    return n;
  }

  // Skips to the next rule head at nesting depth 0 (strings and classes may hold anything).
  void skip_body() {
    while (true) {
      skip_space();
      if (done() || at_rule_head()) return;
      if (at('"')) {
        ++pos_;
        while (!done() && !at('"')) pos_ += at('\\') ? 2 : 1;
        if (done()) fail("unterminated string");
        ++pos_;
      } else if (at('[')) {
        ++pos_;
        while (!done() && !at(']')) pos_ += at('\\') ? 2 : 1;
        if (done()) fail("unterminated character class");
        ++pos_;
      } else if (is_name_char(text_[pos_])) {
        while (!done() && is_name_char(text_[pos_])) ++pos_;
      } else {
        ++pos_;
      }
    }
  }

  ExprId alternation(int depth) {
    std::vector<ExprId> options{sequence(depth)};
    while (true) {
      skip_space();
      if (!at('|')) break;
      ++pos_;
      options.push_back(sequence(depth));
    }
    return g_.alt(std::move(options));
  }

  ExprId sequence(int depth) {
    std::vector<ExprId> parts;
    while (true) {
      skip_space();
      if (done() || at('|') || at(')')) break;
      if (depth == 0 && at_rule_head()) break;
      parts.push_back(quantified(depth));
    }
    return g_.seq(std::move(parts));
  }

  int32_t number() {
    int64_t v = 0;
    const size_t start = pos_;
    while (!done() && text_[pos_] >= '0' && text_[pos_] <= '9') v = std::min<int64_t>(v * 10 + (text_[pos_++] - '0'), 1 << 20);
    if (pos_ == start) fail("expected a number");
    if (v > 100000) fail("repetition count above 100000");
    return static_cast<int32_t>(v);
  }

  ExprId quantified(int depth) {
    ExprId e = primary(depth);
    while (!done()) {
      if (at('*')) {
        ++pos_, e = g_.star(e);
      } else if (at('+')) {
        ++pos_, e = g_.plus(e);
      } else if (at('?')) {
        ++pos_, e = g_.opt(e);
      } else if (at('{')) {
        ++pos_;
        skip_space();
        const int32_t min = number();
        int32_t max = min;
        skip_space();
        if (at(',')) {
          ++pos_;
          skip_space();
          max = at('}') ? -1 : number();
          skip_space();
        }
        if (!at('}')) fail("expected '}'");
        ++pos_;
        if (max >= 0 && max < min) fail("repetition maximum below minimum");
        e = g_.repeat(e, min, max);
      } else {
        break;
      }
    }
    return e;
  }

  ExprId primary(int depth) {
    if (at('(')) {
      ++pos_;
      const ExprId inner = alternation(depth + 1);
      skip_space();
      if (!at(')')) fail("missing ')'");
      ++pos_;
      return inner;
    }
    if (at('"')) {
      ++pos_;
      std::string bytes;
      while (!at('"')) {
        if (done()) fail("unterminated string");
        bytes += encode_utf8(character());
      }
      ++pos_;
      return g_.literal(bytes);
    }
    if (at('[')) return utf8_expr(g_, char_class());
    if (at('.')) {
      ++pos_;
      return utf8_expr(g_, CharClass::any());
    }
    if (!done() && is_name_char(text_[pos_])) {
      const size_t start = pos_;
      const std::string n = name();
      RuleId r = g_.find_rule(n);
      if (r < 0) {
        undefined_.emplace_back(n, start);
        // Declared so the body parses; the check after parsing reports it.
        r = g_.add_rule(n);
      }
      return g_.call(r);
    }
    fail(done() ? "unexpected end of grammar" : "unexpected character '" + std::string(1, text_[pos_]) + "'");
  }

  // One (possibly escaped) character of a string or class, as a code point.
  uint32_t character() {
    if (done()) fail("unexpected end of grammar");
    auto b = static_cast<uint8_t>(text_[pos_]);
    if (b == '\\') {
      ++pos_;
      if (done()) fail("unexpected end of grammar");
      const char e = text_[pos_++];
      switch (e) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case 'x':
          return hex(2);
        case 'u':
          return hex(4);
        case 'U':
          return hex(8);
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-':
        case '^':
          return static_cast<uint8_t>(e);
        default:
          fail(std::string("unknown escape \\") + e);
      }
    }
    const int n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || pos_ + static_cast<size_t>(n) > text_.size()) fail("ill-formed UTF-8");
    uint32_t c = n == 1 ? b : b & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
      const auto cb = static_cast<uint8_t>(text_[pos_ + static_cast<size_t>(k)]);
      if ((cb & 0xC0) != 0x80) fail("ill-formed UTF-8");
      c = (c << 6) | (cb & 0x3F);
    }
    pos_ += static_cast<size_t>(n);
    return c;
  }

  uint32_t hex(int digits) {
    uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      if (done()) fail("bad hex escape");
      const char c = text_[pos_++];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) fail("bad hex escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    if (v > kMaxCodePoint || (v >= 0xD800 && v <= 0xDFFF)) fail("escape is not a Unicode scalar value");
    return v;
  }

  CharClass char_class() {
    ++pos_;  // '['
    const bool negate = at('^');
    if (negate) ++pos_;
    CharClass set;
    while (!at(']')) {
      if (done()) fail("unterminated character class");
      const uint32_t lo = character();
      if (at('-') && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']') {
        ++pos_;
        const uint32_t hi = character();
        if (hi < lo) fail("character range out of order");
        set.add(lo, hi);
      } else {
        set.add(lo, lo);
      }
    }
    ++pos_;
    return negate ? set.negated() : set;
  }

  std::string_view text_;
  size_t pos_ = 0;
  Grammar g_;
  std::vector<std::pair<std::string, size_t>> undefined_;
};

}  // namespace

Grammar parse_gbnf(std::string_view text) { return GbnfParser(text).parse(); }

}  // namespace llmc::grammar
