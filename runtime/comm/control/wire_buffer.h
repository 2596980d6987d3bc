// Byte-level building blocks of the control-plane wire format: little-endian fixed-width integers, LEB128
// varints (zigzag for signed values) and length-prefixed strings and id vectors.
//
// WireReader trusts nothing it reads. Every read is checked against the bytes that remain; a vector's
// length is checked against the remaining bytes (times the least an element can take) before anything is
// allocated; varints must be canonical (no redundant trailing zero groups) so that a decoded message
// re-encodes to the very same bytes. Failures throw llmc::Error naming the field path
// ("new_requests[2].sampling.seed"), the offset and the problem.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc {

class WireWriter {
 public:
  // Appends to `out`; `out` holds exactly the written bytes again once the writer is destroyed (or after
  // finish()). In between, it may be longer: the writer grows it ahead and writes in place.
  explicit WireWriter(std::string& out) : out_(out), pos_(out.size()) {}
  ~WireWriter() { finish(); }
  WireWriter(const WireWriter&) = delete;
  WireWriter& operator=(const WireWriter&) = delete;

  void u8(uint8_t v) {
    ensure(1);
    out_[pos_++] = static_cast<char>(v);
  }
  void u16(uint16_t v) { fixed(v, 2); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void i32(int32_t v) { fixed(static_cast<uint32_t>(v), 4); }
  void f32(float v);
  void varint(uint64_t v) {
    ensure(10);
    while (v >= 0x80) {
      out_[pos_++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_[pos_++] = static_cast<char>(v);
  }
  void zigzag(int32_t v) { varint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31)); }
  void string(std::string_view s);
  void zigzag_vector(const std::vector<int32_t>& values);
  void raw(std::string_view bytes);

  size_t size() const { return pos_; }
  // Overwrites 4 bytes written earlier (the envelope's payload length, known only at the end).
  void patch_u32(size_t offset, uint32_t v);
  // Trims `out` to the bytes written.
  void finish() { out_.resize(pos_); }

 private:
  void ensure(size_t n) {
    if (pos_ + n > out_.size()) grow(n);
  }
  void grow(size_t n);
  void fixed(uint64_t v, int bytes) {
    ensure(8);
    for (int i = 0; i < bytes; ++i) out_[pos_ + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    pos_ += static_cast<size_t>(bytes);
  }
  std::string& out_;
  size_t pos_;
};

class WireReader {
 public:
  // `what` names the message in errors ("plan payload").
  WireReader(std::string_view bytes, const char* what) : bytes_(bytes), what_(what) {}

  // Names the element being read in error messages for as long as it lives: Field f(r, "token_ids", 3).
  class Field {
   public:
    Field(WireReader& r, const char* name, size_t index = kNoIndex);
    ~Field() { --r_.depth_; }
    Field(const Field&) = delete;
    Field& operator=(const Field&) = delete;

   private:
    WireReader& r_;
  };
  static constexpr size_t kNoIndex = ~size_t{0};

  uint8_t u8(const char* field);
  uint16_t u16(const char* field) { return static_cast<uint16_t>(fixed(field, 2)); }
  uint32_t u32(const char* field) { return static_cast<uint32_t>(fixed(field, 4)); }
  uint64_t u64(const char* field) { return fixed(field, 8); }
  int32_t i32(const char* field) { return static_cast<int32_t>(static_cast<uint32_t>(fixed(field, 4))); }
  float f32(const char* field);
  uint64_t varint(const char* field);
  int32_t zigzag(const char* field);
  // A vector length, refused when `count * min_bytes_each` exceeds what remains.
  size_t count(const char* field, size_t min_bytes_each);
  std::string string(const char* field);
  std::vector<int32_t> zigzag_vector(const char* field);
  std::string_view take(const char* field, size_t n);

  size_t offset() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  // Refuses bytes left over after the last field.
  void expect_end();
  [[noreturn]] void fail(const char* field, const std::string& problem) const;

 private:
  uint64_t fixed(const char* field, int bytes);
  void need(const char* field, size_t n) const;
  std::string path(const char* field) const;

  struct Frame {
    const char* name;
    size_t index;
  };
  std::string_view bytes_;
  const char* what_;
  size_t pos_ = 0;
  std::array<Frame, 6> frames_{};
  int depth_ = 0;
};

}  // namespace llmc
