#include "runtime/comm/control/wire_buffer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/check.h"

namespace llmc {

void WireWriter::grow(size_t n) {
  // Doubling keeps appends amortised O(1); the zero fill of resize is the price of writing in place.
  out_.resize(std::max({out_.size() * 2, out_.capacity(), pos_ + n + 256}));
}

void WireWriter::f32(float v) { u32(std::bit_cast<uint32_t>(v)); }

void WireWriter::raw(std::string_view bytes) {
  ensure(bytes.size());
  std::memcpy(out_.data() + pos_, bytes.data(), bytes.size());
  pos_ += bytes.size();
}

void WireWriter::string(std::string_view s) {
  varint(s.size());
  raw(s);
}

void WireWriter::zigzag_vector(const std::vector<int32_t>& values) {
  varint(values.size());
  ensure(values.size() * 5);
  for (int32_t v : values) zigzag(v);
}

void WireWriter::patch_u32(size_t offset, uint32_t v) {
  LLMC_CHECK(offset + 4 <= pos_) << "WireWriter::patch_u32: offset " << offset << " past the end";
  for (int i = 0; i < 4; ++i) out_[offset + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

WireReader::Field::Field(WireReader& r, const char* name, size_t index) : r_(r) {
  if (r_.depth_ < static_cast<int>(r_.frames_.size())) r_.frames_[r_.depth_] = {name, index};
  ++r_.depth_;
}

std::string WireReader::path(const char* field) const {
  std::string p;
  const int depth = std::min<int>(depth_, static_cast<int>(frames_.size()));
  for (int i = 0; i < depth; ++i) {
    if (!p.empty()) p += '.';
    p += frames_[i].name;
    if (frames_[i].index != kNoIndex) {
      p += '[';
      p += std::to_string(frames_[i].index);
      p += ']';
    }
  }
  if (field != nullptr && *field != '\0') {
    if (!p.empty()) p += '.';
    p += field;
  }
  return p;
}

void WireReader::fail(const char* field, const std::string& problem) const {
  LLMC_FAIL() << what_ << ": " << problem << " (field " << path(field) << ", byte " << pos_ << " of "
              << bytes_.size() << ")";
}

void WireReader::need(const char* field, size_t n) const {
  if (n > remaining()) {
    fail(field,
         "truncated: needs " + std::to_string(n) + " byte(s), " + std::to_string(remaining()) + " left");
  }
}

uint64_t WireReader::fixed(const char* field, int bytes) {
  need(field, static_cast<size_t>(bytes));
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
  pos_ += static_cast<size_t>(bytes);
  return v;
}

uint8_t WireReader::u8(const char* field) {
  need(field, 1);
  return static_cast<uint8_t>(bytes_[pos_++]);
}

float WireReader::f32(const char* field) { return std::bit_cast<float>(u32(field)); }

uint64_t WireReader::varint(const char* field) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes_.data()) + pos_;
  const size_t limit = std::min<size_t>(remaining(), 10);
  uint64_t v = 0;
  for (size_t i = 0; i < limit; ++i) {
    const uint8_t byte = p[i];
    // The 10th group holds bit 63 only.
    if (i == 9 && byte > 1) {
      pos_ += i;
      fail(field, "varint overflows 64 bits");
    }
    v |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && i > 0) {
        pos_ += i;
        fail(field, "non-canonical varint (redundant trailing zero group)");
      }
      pos_ += i + 1;
      return v;
    }
  }
  pos_ += limit;
  need(field, 1);  // ran out of bytes: throws "truncated"
  fail(field, "varint longer than 10 bytes");
}

int32_t WireReader::zigzag(const char* field) {
  const uint64_t v = varint(field);
  if (v > 0xffffffffu) fail(field, "zigzag value " + std::to_string(v) + " does not fit 32 bits");
  const auto u = static_cast<uint32_t>(v);
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

size_t WireReader::count(const char* field, size_t min_bytes_each) {
  const uint64_t n = varint(field);
  // Checked before any allocation: a hostile length cannot make us reserve more than the message could hold.
  // n <= remaining() first, so the product cannot overflow.
  if (n > remaining() || n * min_bytes_each > remaining()) {
    fail(field, "length " + std::to_string(n) + " is impossible: " + std::to_string(remaining()) +
                    " byte(s) left, each element takes at least " + std::to_string(min_bytes_each));
  }
  return static_cast<size_t>(n);
}

std::string_view WireReader::take(const char* field, size_t n) {
  need(field, n);
  std::string_view s = bytes_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::string WireReader::string(const char* field) {
  const size_t n = count(field, 1);
  return std::string(take(field, n));
}

std::vector<int32_t> WireReader::zigzag_vector(const char* field) {
  const size_t n = count(field, 1);
  std::vector<int32_t> values(n);
  for (size_t i = 0; i < n; ++i) {
    Field f(*this, field, i);
    values[i] = zigzag("");
  }
  return values;
}

void WireReader::expect_end() {
  if (remaining() != 0)
    fail("", "trailing bytes: " + std::to_string(remaining()) + " byte(s) after the last field");
}

}  // namespace llmc
