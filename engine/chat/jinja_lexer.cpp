#include "engine/chat/jinja_lexer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "\r\n" and "\r" become "\n"; one trailing newline goes (keep_trailing_newline=False).
std::string normalize(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize(source)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> run() {
    size_t pos = 0;
    bool line_starting = true;
    while (pos < src_.size()) {
      const size_t open = find_tag(pos);
      if (open == std::string::npos) {
        emit_text(src_.substr(pos), pos);
        break;
      }
      const char kind = src_[open + 1];
      size_t after = open + 2;
      char sign = 0;
      if (after < src_.size() && (src_[after] == '-' || src_[after] == '+')) sign = src_[after++];
      std::string text = src_.substr(pos, open - pos);
      strip_before(text, sign, kind != '{', line_starting);
      emit_text(std::move(text), pos);
      size_t raw_body = 0;
      if (kind == '#') {
        pos = lex_comment(open, after);
      } else if (kind == '%' && is_raw_begin(after, raw_body)) {
        pos = lex_raw(raw_body, src_[raw_body - 1] == '\n');
      } else {
        pos = lex_tag(open, after, kind == '%');
      }
      line_starting = pos > 0 && src_[pos - 1] == '\n';
    }
    tokens_.push_back(Token{TokenType::kEof, "", position(src_.size())});
    return std::move(tokens_);
  }

 private:
  // Tokens come in source order, so a cursor that only moves forward keeps this linear overall.
  SourcePos position(size_t offset) const {
    if (offset < cursor_offset_) {
      const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
      cursor_line_ = static_cast<int>(it - line_starts_.begin());
      cursor_offset_ = line_starts_[static_cast<size_t>(cursor_line_) - 1];
      cursor_column_ = 1;
    }
    for (; cursor_offset_ < offset && cursor_offset_ < src_.size(); ++cursor_offset_) {
      const auto c = static_cast<unsigned char>(src_[cursor_offset_]);
      if (c == '\n') {
        ++cursor_line_, cursor_column_ = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++cursor_column_;
      }
    }
    return {cursor_line_, cursor_column_};
  }

  [[noreturn]] void error(const std::string& message, size_t offset) const {
    throw SyntaxError(message, position(offset));
  }

  size_t find_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  size_t skip_space(size_t i) const {  // Python's \s*, Unicode-aware
    while (i < src_.size()) {
      size_t next = i;
      const std::u32string c =
          decode_utf8(std::string_view(src_).substr(i, std::min<size_t>(4, src_.size() - i)));
      if (c.empty() || !is_py_space(c[0])) break;
      std::string enc;
      append_utf8(enc, c[0]);
      next += enc.size();
      i = next;
    }
    return i;
  }

  // `-` strips all whitespace before the tag; lstrip_blocks strips a block or comment tag's indentation
  // when only spaces precede it on its line.
  static void strip_before(std::string& text, char sign, bool is_block, bool line_starting) {
    if (sign == '-') {
      text = str_strip(text, StripSide::kRight);
      return;
    }
    if (sign == '+' || !is_block) return;
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting) return;
    const std::string_view tail = std::string_view(text).substr(l_pos);
    if (tail.empty()) return;
    const std::u32string cps = decode_utf8(tail);
    if (std::all_of(cps.begin(), cps.end(), is_py_space)) text.resize(l_pos);
  }

  // The end of a block or comment tag: `-` eats following whitespace, `+` keeps it, else trim_blocks
  // drops one newline.
  size_t after_block_end(size_t end, char sign) const {
    if (sign == '-') return skip_space(end);
    if (sign == '+') return end;
    return (end < src_.size() && src_[end] == '\n') ? end + 1 : end;
  }

  void emit_text(std::string text, size_t offset) {
    if (!text.empty()) tokens_.push_back(Token{TokenType::kText, std::move(text), position(offset)});
  }

  size_t lex_comment(size_t open, size_t body) {
    const size_t close = src_.find("#}", body);
    if (close == std::string::npos) error("missing end of comment tag", open);
    const char sign =
        (close > body && (src_[close - 1] == '-' || src_[close - 1] == '+')) ? src_[close - 1] : 0;
    return after_block_end(close + 2, sign);
  }

  // Matches `\s*raw\s*(-%}\s*|%})` after `{%` or `{%-`; sets body to where the raw text starts.
  bool is_raw_begin(size_t after, size_t& body) const {
    size_t i = skip_space(after);
    if (src_.compare(i, 3, "raw") != 0 || (i + 3 < src_.size() && is_name_char(src_[i + 3]))) return false;
    i = skip_space(i + 3);
    if (src_.compare(i, 3, "-%}") == 0) {
      body = skip_space(i + 3);
      return true;
    }
    if (src_.compare(i, 2, "%}") == 0) {
      body = i + 2;  // no trim_blocks after the raw opener, as in Jinja
      return true;
    }
    return false;
  }

  size_t lex_raw(size_t body, bool line_starting) {
    for (size_t open = src_.find("{%", body); open != std::string::npos; open = src_.find("{%", open + 1)) {
      size_t i = open + 2;
      char sign = 0;
      if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) sign = src_[i++];
      i = skip_space(i);
      if (src_.compare(i, 6, "endraw") != 0) continue;
      i = skip_space(i + 6);
      char end_sign = 0;
      if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) end_sign = src_[i++];
      if (src_.compare(i, 2, "%}") != 0) continue;
      std::string text = src_.substr(body, open - body);
      strip_before(text, sign, true, line_starting);
      emit_text(std::move(text), body);
      return after_block_end(i + 2, end_sign);
    }
    error("missing end of raw directive", body);
  }

  size_t lex_tag(size_t open, size_t i, bool is_block) {
    tokens_.push_back(Token{is_block ? TokenType::kBlockBegin : TokenType::kVarBegin, "", position(open)});
    std::vector<char> brackets;
    while (true) {
      while (i < src_.size() && std::string_view(" \t\n\f\v").find(src_[i]) != std::string_view::npos) ++i;
      if (i >= src_.size())
        error(is_block ? "unexpected end of template, expected '%}'"
                       : "unexpected end of template, expected '}}'",
              open);
      if (brackets.empty()) {
        const size_t end = match_end(i, is_block);
        if (end != 0) {
          tokens_.push_back(Token{is_block ? TokenType::kBlockEnd : TokenType::kVarEnd, "", position(i)});
          return end;
        }
      }
      i = lex_expression_token(i, brackets);
    }
  }

  // Returns the offset after a closing `%}` / `}}` at i (with its whitespace control), or 0.
  size_t match_end(size_t i, bool is_block) const {
    const char* close = is_block ? "%}" : "}}";
    if (src_.compare(i, 2, close) == 0) return is_block ? after_block_end(i + 2, 0) : i + 2;
    if (src_.compare(i + 1, 2, close) != 0) return 0;
    if (src_[i] == '-') return is_block ? after_block_end(i + 3, '-') : skip_space(i + 3);
    if (src_[i] == '+' && is_block) return i + 3;
    return 0;
  }

  size_t lex_expression_token(size_t i, std::vector<char>& brackets) {
    const char c = src_[i];
    if (is_digit(c)) return lex_number(i);
    if (is_name_start(c)) {
      size_t end = i;
      while (end < src_.size() && is_name_char(src_[end])) ++end;
      tokens_.push_back(Token{TokenType::kName, src_.substr(i, end - i), position(i)});
      return end;
    }
    if (c == '\'' || c == '"') return lex_string(i);
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    for (std::string_view op : kTwo) {
      if (src_.compare(i, 2, op) == 0) {
        tokens_.push_back(Token{TokenType::kOp, std::string(op), position(i)});
        return i + 2;
      }
    }
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos) {
      error(std::string("unexpected character '") + c + "' in tag", i);
    }
    if (c == '(' || c == '[' || c == '{') brackets.push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
    if (c == ')' || c == ']' || c == '}') {
      if (brackets.empty()) error(std::string("unexpected '") + c + "'", i);
      if (brackets.back() != c)
        error(std::string("unexpected '") + c + "', expected '" + brackets.back() + "'", i);
      brackets.pop_back();
    }
    tokens_.push_back(Token{TokenType::kOp, std::string(1, c), position(i)});
    return i + 1;
  }

  size_t lex_number(size_t start) {
    auto digits = [&](size_t i) {  // (\d+_)*\d+
      while (i < src_.size() &&
             (is_digit(src_[i]) || (src_[i] == '_' && i + 1 < src_.size() && is_digit(src_[i + 1]))))
        ++i;
      return i;
    };
    if (src_[start] == '0' && start + 1 < src_.size() &&
        std::string_view("xXoObB").find(src_[start + 1]) != std::string_view::npos) {
      return lex_prefixed_int(start);
    }
    Token tok{TokenType::kInt, "", position(start)};
    size_t i = digits(start);
    const bool after_dot = start > 0 && src_[start - 1] == '.';  // `x.0.1` is item access, not a float
    bool is_float = false;
    if (!after_dot && i + 1 < src_.size() && src_[i] == '.' && is_digit(src_[i + 1]))
      is_float = true, i = digits(i + 1);
    if (!after_dot && i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
      size_t j = i + 1;
      if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
      if (j < src_.size() && is_digit(src_[j])) is_float = true, i = digits(j);
    }
    std::string text;
    for (size_t k = start; k < i; ++k) {
      if (src_[k] != '_') text.push_back(src_[k]);
    }
    if (is_float) {
      tok.type = TokenType::kFloat;
      tok.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      errno = 0;
      tok.int_value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) error("integer literal too large", start);
    }
    tok.text = text;
    tokens_.push_back(tok);
    return i;
  }

  size_t lex_prefixed_int(size_t start) {
    const char kind = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[start + 1])));
    const int base = kind == 'x' ? 16 : (kind == 'o' ? 8 : 2);
    size_t i = start + 2;
    int64_t value = 0;
    int count = 0;
    for (; i < src_.size(); ++i) {
      if (src_[i] == '_') continue;
      const int d = hex_value(src_[i]);
      if (d < 0 || d >= base) break;
      if (value > (INT64_MAX - d) / base) error("integer literal too large", start);
      value = value * base + d, ++count;
    }
    if (count == 0) error("invalid integer literal", start);
    tokens_.push_back(Token{TokenType::kInt, src_.substr(start, i - start), position(start), value});
    return i;
  }

  size_t lex_string(size_t start) {
    const char quote = src_[start];
    std::string out;
    size_t i = start + 1;
    while (true) {
      if (i >= src_.size()) error("unterminated string literal", start);
      const char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        out.push_back(c), ++i;
        continue;
      }
      if (i + 1 >= src_.size()) error("unterminated string literal", start);
      i = decode_escape(i, out);
    }
    tokens_.push_back(Token{TokenType::kString, std::move(out), position(start)});
    return i + 1;
  }

  // Python's unicode-escape rules; unknown escapes keep their backslash.
  size_t decode_escape(size_t i, std::string& out) const {
    const char e = src_[i + 1];
    const std::string_view simple = "\\'\"abfnrtv\n";
    const std::string_view values = "\\'\"\a\b\f\n\r\t\v";
    if (const size_t k = simple.find(e); k != std::string_view::npos) {
      if (e != '\n') out.push_back(values[k]);  // backslash-newline is a line continuation
      return i + 2;
    }
    if (e >= '0' && e <= '7') {
      size_t j = i + 1;
      int v = 0;
      while (j < src_.size() && j < i + 4 && src_[j] >= '0' && src_[j] <= '7') v = v * 8 + (src_[j++] - '0');
      append_utf8(out, static_cast<char32_t>(v));
      return j;
    }
    const int len = e == 'x' ? 2 : (e == 'u' ? 4 : (e == 'U' ? 8 : 0));
    if (len == 0) {
      if (e == 'N') error("\\N{...} escapes are not supported in string literals", i);
      out.push_back('\\');
      return i + 1;
    }
    uint32_t v = 0;
    for (int k = 0; k < len; ++k) {
      const size_t at = i + 2 + static_cast<size_t>(k);
      const int d = at < src_.size() ? hex_value(src_[at]) : -1;
      if (d < 0) error(std::string("truncated \\") + e + " escape in string literal", i);
      v = v * 16 + static_cast<uint32_t>(d);
    }
    if (v > 0x10FFFF) error("illegal Unicode character in string literal", i);
    append_utf8(out, static_cast<char32_t>(v));
    return i + 2 + static_cast<size_t>(len);
  }

  std::string src_;
  std::vector<size_t> line_starts_;
  mutable size_t cursor_offset_ = 0;
  mutable int cursor_line_ = 1;
  mutable int cursor_column_ = 1;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace llmc::jinja
