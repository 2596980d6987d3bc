// DType parsing and float32 conversion against values computed here from the IEEE definitions.
#include "engine/safetensors/dtype.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/check.h"

namespace llmc {
namespace {

// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
double f16_reference(uint16_t bits) {
  const double sign = (bits & 0x8000) ? -1.0 : 1.0;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa == 0 ? sign * INFINITY : NAN;
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

// bfloat16: 1 sign, 8 exponent (bias 127), 7 mantissa bits.
double bf16_reference(uint16_t bits) {
  const double sign = (bits & 0x8000) ? -1.0 : 1.0;
  const int exponent = (bits >> 7) & 0xff;
  const int mantissa = bits & 0x7f;
  if (exponent == 0) return sign * std::ldexp(mantissa, -133);
  if (exponent == 255) return mantissa == 0 ? sign * INFINITY : NAN;
  return sign * std::ldexp(128 + mantissa, exponent - 134);
}

void expect_same(double reference, float got, uint16_t bits) {
  if (std::isnan(reference)) {
    EXPECT_TRUE(std::isnan(got)) << "bits 0x" << std::hex << bits;
    return;
  }
  EXPECT_EQ(static_cast<float>(reference), got) << "bits 0x" << std::hex << bits;
  EXPECT_EQ(std::signbit(reference), std::signbit(got)) << "bits 0x" << std::hex << bits;  // -0 stays -0
}

std::vector<std::byte> all_patterns(size_t offset) {
  std::vector<std::byte> bytes(offset + 2 * 65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    const uint16_t v = static_cast<uint16_t>(i);
    std::memcpy(bytes.data() + offset + 2 * i, &v, 2);
  }
  return bytes;
}

TEST(DType, ParsesEverySafetensorsSpelling) {
  const std::vector<std::pair<const char*, size_t>> names = {
      {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F64", 8},  {"I64", 8},     {"I32", 4},
      {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  for (const auto& [name, size] : names) {
    const auto dtype = parse_dtype(name);
    ASSERT_TRUE(dtype.has_value()) << name;
    EXPECT_EQ(dtype_name(*dtype), name);
    EXPECT_EQ(dtype_size(*dtype), size) << name;
  }
  EXPECT_FALSE(parse_dtype("f32").has_value());
  EXPECT_FALSE(parse_dtype("Q4_0").has_value());
  EXPECT_FALSE(parse_dtype("").has_value());
  EXPECT_TRUE(dtype_converts_to_f32(DType::kBF16));
  EXPECT_FALSE(dtype_converts_to_f32(DType::kI8));
}

TEST(DType, KnownHalfAndBfloatValues) {
  EXPECT_EQ(bf16_to_f32(0x3FC0), 1.5f);
  EXPECT_EQ(bf16_to_f32(0xC000), -2.0f);
  EXPECT_EQ(bf16_to_f32(0x7F80), INFINITY);
  EXPECT_EQ(f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x3E00), 1.5f);
  EXPECT_EQ(f16_to_f32(0x7BFF), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), 0x1p-24f);         // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x03FF), 1023 * 0x1p-24f);  // largest subnormal
  EXPECT_EQ(f16_to_f32(0xFC00), -INFINITY);
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7E00)));
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
}

TEST(DType, EveryHalfPatternScalarAndBulkUnaligned) {
  const std::vector<std::byte> bytes = all_patterns(1);  // odd offset: unaligned source
  std::vector<float> bulk(65536);
  convert_to_f32(DType::kF16, bytes.data() + 1, bulk.data(), bulk.size());
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto bits = static_cast<uint16_t>(i);
    expect_same(f16_reference(bits), f16_to_f32(bits), bits);
    expect_same(f16_reference(bits), bulk[i], bits);
  }
}

TEST(DType, EveryBfloatPatternBulkUnaligned) {
  const std::vector<std::byte> bytes = all_patterns(3);
  std::vector<float> bulk(65536);
  convert_to_f32(DType::kBF16, bytes.data() + 3, bulk.data(), bulk.size());
  for (uint32_t i = 0; i < 65536; ++i) expect_same(bf16_reference(static_cast<uint16_t>(i)), bulk[i], i);
}

TEST(DType, OddLengthRunsUseTheTail) {
  // 13 = one 8-wide block plus a scalar tail in the vector path.
  const std::vector<uint16_t> half = {0x3C00, 0xC000, 0x3800, 0x0001, 0x7BFF, 0x0000, 0x8000,
                                      0x3555, 0x4248, 0x5640, 0x7C00, 0xFBFF, 0x0400};
  std::vector<float> out(half.size());
  convert_to_f32(DType::kF16, reinterpret_cast<const std::byte*>(half.data()), out.data(), half.size());
  for (size_t i = 0; i < half.size(); ++i) EXPECT_EQ(out[i], static_cast<float>(f16_reference(half[i]))) << i;
}

TEST(DType, RefusesToConvertOtherTypes) {
  const std::byte zeros[8] = {};
  float out[2];
  try {
    convert_to_f32(DType::kI32, zeros, out, 2);
    FAIL() << "expected llmc::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("I32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmc
