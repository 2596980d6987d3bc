#include "engine/chat/jinja_unicode.h"

#include <utf8proc.h>

#include <algorithm>

namespace llmc::jinja {
namespace {

constexpr char32_t kEscapeBase = 0xDC80;  // surrogateescape: invalid byte b decodes to U+DC80 + (b - 0x80)

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes one code point at s[i], advancing i; invalid sequences yield one escaped byte.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    ++i;
    return c0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((c0 & 0xE0) == 0xC0) {
    len = 2, cp = c0 & 0x1F;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3, cp = c0 & 0x0F;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4, cp = c0 & 0x07;
  }
  if (len == 0 || i + len > s.size()) {
    ++i;
    return kEscapeBase + (c0 - 0x80);
  }
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (!is_cont(c)) {
      ++i;
      return kEscapeBase + (c0 - 0x80);
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kEscapeBase + (c0 - 0x80);
  }
  i += len;
  return cp;
}

utf8proc_category_t category(char32_t c) { return utf8proc_category(static_cast<utf8proc_int32_t>(c)); }

template <typename Fn>
std::string map_chars(std::string_view s, Fn fn) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) append_utf8(out, fn(next_code_point(s, i)));
  return out;
}

bool in_set(char32_t c, const std::u32string* chars) {
  if (chars == nullptr) return is_py_space(c);
  return chars->find(c) != std::u32string::npos;
}

}  // namespace

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) out.push_back(next_code_point(s, i));
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c >= kEscapeBase && c < kEscapeBase + 0x80) {
    out.push_back(static_cast<char>(c - kEscapeBase + 0x80));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0, i = 0;
  while (i < s.size()) {
    next_code_point(s, i);
    ++n;
  }
  return n;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_py_space(char32_t c) {
  if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) return true;
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_py_printable(char32_t c) {
  if (c == ' ') return true;
  if (c >= kEscapeBase && c < kEscapeBase + 0x80) return false;
  switch (category(c)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_ZS:
      return false;
    default:
      return true;
  }
}

bool is_py_alpha(char32_t c) {
  const auto cat = category(c);
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

bool is_py_digit(char32_t c) { return category(c) == UTF8PROC_CATEGORY_ND; }
bool is_py_cased_upper(char32_t c) { return category(c) == UTF8PROC_CATEGORY_LU; }
bool is_py_cased_lower(char32_t c) { return category(c) == UTF8PROC_CATEGORY_LL; }
char32_t py_upper(char32_t c) { return static_cast<char32_t>(utf8proc_toupper(static_cast<int32_t>(c))); }
char32_t py_lower(char32_t c) { return static_cast<char32_t>(utf8proc_tolower(static_cast<int32_t>(c))); }

std::string str_upper(std::string_view s) { return map_chars(s, py_upper); }
std::string str_lower(std::string_view s) { return map_chars(s, py_lower); }

std::string str_capitalize(std::string_view s) {
  bool first = true;
  return map_chars(s, [&first](char32_t c) {
    if (!first) return py_lower(c);
    first = false;
    return static_cast<char32_t>(utf8proc_totitle(static_cast<int32_t>(c)));
  });
}

std::string str_swapcase(std::string_view s) {
  return map_chars(s, [](char32_t c) {
    if (is_py_cased_upper(c)) return py_lower(c);
    if (is_py_cased_lower(c)) return py_upper(c);
    return c;
  });
}

std::string str_py_title(std::string_view s) {
  bool previous_cased = false;
  return map_chars(s, [&previous_cased](char32_t c) {
    const auto cat = category(c);
    const bool cased =
        cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
    const char32_t out =
        previous_cased ? py_lower(c) : static_cast<char32_t>(utf8proc_totitle(static_cast<int32_t>(c)));
    previous_cased = cased;
    return out;
  });
}

// Walks in from both ends one code point at a time, so long strings are not decoded as a whole.
std::string str_strip(std::string_view s, StripSide side, const std::u32string* chars) {
  size_t begin = 0, end = s.size();
  if (side != StripSide::kRight) {
    while (begin < end) {
      size_t next = begin;
      if (!in_set(next_code_point(s, next), chars)) break;
      begin = next;
    }
  }
  if (side != StripSide::kLeft) {
    while (end > begin) {
      size_t start = end - 1;  // back to the lead byte of the last sequence (at most 3 continuation bytes)
      while (start > begin && end - start < 4 && is_cont(static_cast<unsigned char>(s[start]))) --start;
      size_t probe = start;
      const char32_t c = next_code_point(s, probe);
      // An invalid tail byte stands for itself (an escape), which is never whitespace: stop there.
      if (probe != end || !in_set(c, chars)) break;
      end = start;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

std::vector<std::string> str_split(std::string_view s, const std::string* sep, int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep != nullptr) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      const size_t at = s.find(*sep, start);
      if (at == std::string_view::npos) break;
      parts.emplace_back(s.substr(start, at - start));
      start = at + sep->size();
    }
    parts.emplace_back(s.substr(start));
    return parts;
  }
  const std::u32string cps = decode_utf8(s);
  size_t i = 0;
  while (true) {
    while (i < cps.size() && is_py_space(cps[i])) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      parts.push_back(encode_utf8(std::u32string_view(cps).substr(i)));
      break;
    }
    const size_t start = i;
    while (i < cps.size() && !is_py_space(cps[i])) ++i;
    parts.push_back(encode_utf8(std::u32string_view(cps).substr(start, i - start)));
  }
  return parts;
}

std::vector<std::string> str_rsplit(std::string_view s, const std::string* sep, int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep != nullptr) {
    size_t end = s.size();
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      if (end < sep->size()) break;
      const size_t at = s.rfind(*sep, end - sep->size());
      if (at == std::string_view::npos) break;
      parts.emplace_back(s.substr(at + sep->size(), end - at - sep->size()));
      end = at;
    }
    parts.emplace_back(s.substr(0, end));
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  const std::u32string cps = decode_utf8(s);
  size_t i = cps.size();
  while (true) {
    while (i > 0 && is_py_space(cps[i - 1])) --i;
    if (i == 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      parts.push_back(encode_utf8(std::u32string_view(cps).substr(0, i)));
      break;
    }
    const size_t end = i;
    while (i > 0 && !is_py_space(cps[i - 1])) --i;
    parts.push_back(encode_utf8(std::u32string_view(cps).substr(i, end - i)));
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

std::vector<std::string> str_splitlines(std::string_view s, bool keepends) {
  const std::u32string cps = decode_utf8(s);
  std::vector<std::string> lines;
  size_t start = 0, i = 0;
  while (i < cps.size()) {
    const char32_t c = cps[i];
    const bool is_break = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) ||
                          c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!is_break) {
      ++i;
      continue;
    }
    size_t eol = i + 1;
    if (c == '\r' && eol < cps.size() && cps[eol] == '\n') ++eol;
    const size_t end = keepends ? eol : i;
    lines.push_back(encode_utf8(std::u32string_view(cps).substr(start, end - start)));
    start = i = eol;
  }
  if (start < cps.size()) lines.push_back(encode_utf8(std::u32string_view(cps).substr(start)));
  return lines;
}

std::string str_replace(std::string_view s, std::string_view old_part, std::string_view new_part,
                        int64_t count) {
  std::string out;
  int64_t done = 0;
  if (old_part.empty()) {  // Python inserts `new` before every code point and at the end
    const std::u32string cps = decode_utf8(s);
    for (char32_t c : cps) {
      if (count < 0 || done < count) out += new_part, ++done;
      append_utf8(out, c);
    }
    if (count < 0 || done < count) out += new_part;
    return out;
  }
  size_t start = 0;
  while (count < 0 || done < count) {
    const size_t at = s.find(old_part, start);
    if (at == std::string_view::npos) break;
    out.append(s.substr(start, at - start));
    out.append(new_part);
    start = at + old_part.size();
    ++done;
  }
  out.append(s.substr(start));
  return out;
}

}  // namespace llmc::jinja
