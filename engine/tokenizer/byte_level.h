// GPT-2's reversible map between bytes and printable characters, used by the ByteLevel pre-tokenizer,
// normalizer and decoder: bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves, the other 68 bytes
// for U+0100 onwards, in byte order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmc::byte_level {

// Appends the mapped characters of `bytes` (UTF-8, 1 or 2 bytes per input byte).
void append_mapped(std::string& out, std::string_view bytes);

// The byte a mapped character stands for, or -1 when `c` is not one of the 256 mapped characters.
int char_to_byte(char32_t c);

}  // namespace llmc::byte_level
