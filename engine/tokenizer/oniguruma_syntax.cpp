#include "engine/tokenizer/oniguruma_syntax.h"

#include "common/check.h"

namespace llmc {
namespace {

// Oniguruma's \s on Unicode text: 0009-000D, 0085 and the Z categories (= the White_Space property).
constexpr std::string_view kSpaceItems =
    "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}"
    "\\x{3000}";
// Oniguruma's \w on Unicode text: Letter | Mark | Number | Connector_Punctuation.
constexpr std::string_view kWordItems = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
constexpr std::string_view kHexItems = "0-9A-Fa-f";

bool is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

class Translator {
 public:
  Translator(std::string_view p, std::string_view where) : p_(p), where_(where) {}

  std::string run() {
    while (i_ < p_.size()) {
      const char c = p_[i_];
      if (c == '\\') {
        escape();
      } else if (in_class_) {
        class_char();
      } else if (c == '[') {
        open_class();
      } else if (c == '(' && i_ + 1 < p_.size() && p_[i_ + 1] == '?') {
        group_flags();
      } else {
        out_.push_back(c);
        ++i_;
      }
    }
    LLMC_CHECK(!in_class_) << where_ << ": regex has an unterminated character class: " << p_;
    return out_;
  }

 private:
  void set(std::string_view items, bool negate) {
    if (in_class_) {
      LLMC_CHECK(!negate) << where_ << ": regex uses a negated class escape inside a character class, which "
                          << "cannot be translated from Oniguruma to PCRE2: " << p_;
      out_.append(items);
    } else {
      out_.append(negate ? "[^" : "[").append(items).append("]");
    }
  }

  void escape() {
    LLMC_CHECK(i_ + 1 < p_.size()) << where_ << ": regex ends with a lone backslash: " << p_;
    const char e = p_[i_ + 1];
    i_ += 2;
    switch (e) {
      case 's': return set(kSpaceItems, false);
      case 'w': return set(kWordItems, false);
      case 'h': return set(kHexItems, false);
      case 'H': return set(kHexItems, true);
      case 'v': out_.append("\\x0B"); return;
      case 'S':
      case 'W':
        // Inside a class PCRE2's own \S / \W stand in (they differ from Oniguruma only on U+0085 and No/M).
        if (in_class_) {
          out_.push_back('\\');
          out_.push_back(e);
          return;
        }
        return set(e == 'S' ? kSpaceItems : kWordItems, true);
      case 'u': {
        LLMC_CHECK(i_ + 4 <= p_.size() && is_hex(p_[i_]) && is_hex(p_[i_ + 1]) && is_hex(p_[i_ + 2]) &&
                   is_hex(p_[i_ + 3]))
            << where_ << ": regex has \\u without four hex digits: " << p_;
        out_.append("\\x{").append(p_.substr(i_, 4)).append("}");
        i_ += 4;
        return;
      }
      default:
        out_.push_back('\\');
        out_.push_back(e);
    }
  }

  void open_class() {
    in_class_ = true;
    out_.push_back('[');
    ++i_;
    if (i_ < p_.size() && p_[i_] == '^') {
      out_.push_back('^');
      ++i_;
    }
    // A ']' right after the opening is a literal in both syntaxes.
    if (i_ < p_.size() && p_[i_] == ']') {
      out_.push_back(']');
      ++i_;
    }
  }

  void class_char() {
    const char c = p_[i_];
    if (c == ']') {
      in_class_ = false;
    } else if (c == '[') {
      const size_t close = p_.find(":]", i_);
      LLMC_CHECK(i_ + 1 < p_.size() && p_[i_ + 1] == ':' && close != std::string_view::npos)
          << where_ << ": regex uses a nested character class (Oniguruma-only syntax): " << p_;
      out_.append(p_.substr(i_, close + 2 - i_));
      i_ = close + 2;
      return;
    } else if (c == '&' && i_ + 1 < p_.size() && p_[i_ + 1] == '&') {
      LLMC_FAIL() << where_ << ": regex uses character class intersection '&&' (Oniguruma-only syntax): " << p_;
    }
    out_.push_back(c);
    ++i_;
  }

  // (?imx-imx) and (?imx-imx:...): Ruby's m is PCRE2's s.
  void group_flags() {
    size_t j = i_ + 2;
    while (j < p_.size() && (p_[j] == 'i' || p_[j] == 'm' || p_[j] == 'x' || p_[j] == '-')) ++j;
    if (j == i_ + 2 || j >= p_.size() || (p_[j] != ')' && p_[j] != ':')) {
      out_.append("(?");
      i_ += 2;
      return;
    }
    out_.append("(?");
    for (size_t k = i_ + 2; k < j; ++k) out_.push_back(p_[k] == 'm' ? 's' : p_[k]);
    i_ = j;
  }

  std::string_view p_;
  std::string_view where_;
  std::string out_;
  size_t i_ = 0;
  bool in_class_ = false;
};

}  // namespace

std::string translate_oniguruma(std::string_view pattern, std::string_view where) {
  return Translator(pattern, where).run();
}

}  // namespace llmc
