// UTF-8 and the parts of Python's str that depend on Unicode: code-point indexing, str.isspace(), case
// mapping (through utf8proc), isprintable() for repr(), and splitlines().
//
// Strings are kept as UTF-8 bytes. An invalid byte decodes to U+DC80+byte (Python's surrogateescape) and
// encodes back to the same byte, so slicing never changes bytes it does not cut.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmc::jinja {

std::u32string decode_utf8(std::string_view s);
std::string encode_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);
size_t utf8_length(std::string_view s);  // in code points
bool is_ascii(std::string_view s);

bool is_py_space(char32_t c);      // str.isspace()
bool is_py_printable(char32_t c);  // str.isprintable(), what repr() leaves unescaped
bool is_py_alpha(char32_t c);
bool is_py_digit(char32_t c);
bool is_py_cased_upper(char32_t c);
bool is_py_cased_lower(char32_t c);
char32_t py_upper(char32_t c);
char32_t py_lower(char32_t c);

std::string str_upper(std::string_view s);
std::string str_lower(std::string_view s);
std::string str_capitalize(std::string_view s);  // str.capitalize(): first upper, rest lower
std::string str_swapcase(std::string_view s);
std::string str_py_title(std::string_view s);  // str.title(): word = run of cased letters

enum class StripSide { kBoth, kLeft, kRight };
// str.strip(chars): without chars strips Unicode whitespace.
std::string str_strip(std::string_view s, StripSide side, const std::u32string* chars = nullptr);

// str.split(sep, maxsplit) and rsplit; without sep splits on whitespace runs and drops empty parts.
std::vector<std::string> str_split(std::string_view s, const std::string* sep, int64_t maxsplit);
std::vector<std::string> str_rsplit(std::string_view s, const std::string* sep, int64_t maxsplit);
std::vector<std::string> str_splitlines(std::string_view s, bool keepends);
std::string str_replace(std::string_view s, std::string_view old_part, std::string_view new_part,
                        int64_t count);

}  // namespace llmc::jinja
