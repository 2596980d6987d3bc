// Little helpers for the wire format: an appending writer and a bounds-checked reader.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/check.h"

namespace llmc::wire {

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void fixed(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void svarint(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void f32(float v) { fixed(&v, 4); }
  void str(std::string_view s) {
    varint(s.size());
    fixed(s.data(), s.size());
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view in, const char* what) : in_(in), what_(what) {}
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(in_[pos_++]);
  }
  void fixed(void* p, size_t n) {
    need(n);
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = u8();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    LLMC_FAIL() << what_ << ": malformed varint at byte " << pos_;
  }
  int64_t svarint() {
    const uint64_t v = varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  int32_t i32() {
    const int64_t v = svarint();
    LLMC_CHECK(v >= INT32_MIN && v <= INT32_MAX) << what_ << ": value " << v << " out of 32-bit range at byte " << pos_;
    return static_cast<int32_t>(v);
  }
  float f32() {
    float v;
    fixed(&v, 4);
    return v;
  }
  std::string str() {
    const uint64_t n = count(1);
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A length prefix for elements of at least `min_bytes` each, checked against what remains.
  uint64_t count(size_t min_bytes) {
    const uint64_t n = varint();
    LLMC_CHECK(n <= (in_.size() - pos_) / min_bytes)
        << what_ << ": length " << n << " at byte " << pos_ << " exceeds the " << in_.size() - pos_ << " bytes left";
    return n;
  }
  void expect_end() const {
    LLMC_CHECK(pos_ == in_.size()) << what_ << ": " << in_.size() - pos_ << " unexpected trailing bytes";
  }

 private:
  void need(size_t n) const {
    LLMC_CHECK(in_.size() - pos_ >= n) << what_ << ": truncated (needed " << n << " more bytes at byte " << pos_
                                       << " of " << in_.size() << ")";
  }
  std::string_view in_;
  const char* what_;
  size_t pos_ = 0;
};

}  // namespace llmc::wire
