// A toy vocabulary for head tests, independent of any real tokenizer: every id maps to a fixed byte string,
// some of them halves of a multi-byte UTF-8 character. The stream emits only complete UTF-8 characters, like a
// real incremental detokenizer, and drops special tokens when asked.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "runtime/head/text_stream.h"

namespace llmc::test {

inline constexpr int32_t kToyEos = 1;
inline constexpr int32_t kToyEAcuteLead = 2;   // "\xC3": first byte of U+00E9
inline constexpr int32_t kToyEAcuteTail = 3;   // "\xA9"
inline constexpr int32_t kToyEuroHead = 4;     // "\xE2\x82": first two bytes of U+20AC
inline constexpr int32_t kToyEuroTail = 5;     // "\xAC"
inline constexpr int32_t kToySpace = 6;        // " "
inline constexpr int32_t kToyStop = 7;         // "STOP"
inline constexpr int32_t kToySt = 8;           // "ST"
inline constexpr int32_t kToyOp = 9;           // "OP"
inline constexpr int32_t kToyArt = 10;         // "ART"
inline constexpr int32_t kToyLetterA = 20;     // ids 20..45: "a".."z"

inline std::string toy_piece(int32_t id) {
  switch (id) {
    case kToyEos: return "<eos>";
    case kToyEAcuteLead: return "\xC3";
    case kToyEAcuteTail: return "\xA9";
    case kToyEuroHead: return "\xE2\x82";
    case kToyEuroTail: return "\xAC";
    case kToySpace: return " ";
    case kToyStop: return "STOP";
    case kToySt: return "ST";
    case kToyOp: return "OP";
    case kToyArt: return "ART";
    default: break;
  }
  if (id >= kToyLetterA && id < kToyLetterA + 26) return std::string(1, static_cast<char>('a' + id - kToyLetterA));
  return "<" + std::to_string(id) + ">";
}

class ToyTextStream : public TextStream {
 public:
  explicit ToyTextStream(bool skip_special) : skip_special_(skip_special) {}

  std::string push(int32_t id) override {
    if (id == kToyEos && skip_special_) return {};
    buffer_ += toy_piece(id);
    // Emit up to the last complete UTF-8 character.
    size_t end = buffer_.size();
    size_t i = buffer_.size();
    while (i > 0 && (static_cast<unsigned char>(buffer_[i - 1]) & 0xC0) == 0x80) --i;  // continuation bytes
    if (i > 0) {
      const auto lead = static_cast<unsigned char>(buffer_[i - 1]);
      const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (buffer_.size() - (i - 1) < need) end = i - 1;
    }
    std::string out = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return out;
  }
  std::string flush() override {
    std::string out = buffer_.empty() ? std::string() : std::string("\xEF\xBF\xBD");  // U+FFFD for a torn char
    buffer_.clear();
    return out;
  }

 private:
  bool skip_special_;
  std::string buffer_;
};

inline TextStreamFactory toy_text_streams() {
  return [](std::span<const int32_t>, bool skip_special) { return std::make_unique<ToyTextStream>(skip_special); };
}

}  // namespace llmc::test
