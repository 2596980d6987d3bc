#include "engine/tokenizer/byte_level.h"

#include <array>

#include "engine/tokenizer/utf8.h"

namespace llmc::byte_level {
namespace {

bool maps_to_itself(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<std::array<char, 2>, 256> utf8{};  // UTF-8 of to_char (every mapped char is below U+0800)
  std::array<uint8_t, 256> utf8_len{};
  std::array<int16_t, 0x144> to_byte{};  // mapped chars are all below U+0144

  Tables() {
    to_byte.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const char32_t c = maps_to_itself(b) ? static_cast<char32_t>(b) : next++;
      to_char[b] = c;
      to_byte[c] = static_cast<int16_t>(b);
      std::string s;
      utf8::append_code_point(s, c);
      utf8_len[b] = static_cast<uint8_t>(s.size());
      for (size_t k = 0; k < s.size(); ++k) utf8[b][k] = s[k];
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

void append_mapped(std::string& out, std::string_view bytes) {
  const Tables& t = tables();
  const size_t start = out.size();
  out.resize(start + 2 * bytes.size());
  char* dst = out.data() + start;
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    dst[0] = t.utf8[b][0];
    dst[1] = t.utf8[b][1];
    dst += t.utf8_len[b];
  }
  out.resize(static_cast<size_t>(dst - out.data()));
}

int char_to_byte(char32_t c) { return c < 0x144 ? tables().to_byte[c] : -1; }

}  // namespace llmc::byte_level
