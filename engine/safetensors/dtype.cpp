#include "engine/safetensors/dtype.h"

#include <array>
#include <cmath>
#include <cstring>

#include "common/check.h"

#if defined(__F16C__) && defined(__AVX__)
#include <immintrin.h>
#define LLMC_HAVE_F16C 1
#endif

namespace llmc {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; so must the host be");

namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

// Spellings from the safetensors format description.
constexpr std::array<DTypeInfo, 12> kDTypes = {{
    {DType::kF32, "F32", 4},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8},
    {DType::kI64, "I64", 8},
    {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2},
    {DType::kI8, "I8", 1},
    {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
    {DType::kF8E4M3, "F8_E4M3", 1},
    {DType::kF8E5M2, "F8_E5M2", 1},
}};

const DTypeInfo& info(DType dtype) {
  for (const auto& entry : kDTypes) {
    if (entry.dtype == dtype) return entry;
  }
  LLMC_FAIL() << "internal: unknown DType value " << static_cast<int>(dtype);
}

void convert_f16(const std::byte* src, float* dst, size_t count) {
  size_t i = 0;
#ifdef LLMC_HAVE_F16C
  // vcvtph2ps is exact for every half value (subnormals included), 8 at a time.
  for (; i + 8 <= count; i += 8) {
    __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(half));
  }
#endif
  for (; i < count; ++i) {
    uint16_t bits;
    std::memcpy(&bits, src + 2 * i, 2);
    dst[i] = f16_to_f32(bits);
  }
}

void convert_bf16(const std::byte* src, float* dst, size_t count) {
  // memcpy per element keeps unaligned sources legal; the compiler turns the loop into vector shifts.
  for (size_t i = 0; i < count; ++i) {
    uint16_t bits;
    std::memcpy(&bits, src + 2 * i, 2);
    dst[i] = bf16_to_f32(bits);
  }
}

}  // namespace

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& entry : kDTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

std::string_view dtype_name(DType dtype) { return info(dtype).name; }

size_t dtype_size(DType dtype) { return info(dtype).size; }

bool dtype_converts_to_f32(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

uint16_t f32_to_f16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
  if (magnitude >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds past 65504: infinity
  if (magnitude < 0x38800000u) {
    // Subnormal half (below 2^-14): the value in units of 2^-24, rounded to nearest even by the FPU.
    const float scaled = std::bit_cast<float>(magnitude) * 0x1p24f;
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(scaled)));
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to nearest even.
  const uint32_t rebased = magnitude - 0x38000000u;
  const uint32_t rounded = rebased + 0xfffu + ((rebased >> 13) & 1u);
  return static_cast<uint16_t>(sign | (rounded >> 13));
}

float f16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  const uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float32 (at most 10 significant bits).
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return std::bit_cast<float>(std::bit_cast<uint32_t>(magnitude) | sign);
  }
  if (exponent == 0x1f) {
    // Infinity (mantissa 0) or NaN (payload kept in the top mantissa bits).
    return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  }
  // Rebias the exponent from 15 to 127.
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

void convert_to_f32(DType dtype, const std::byte* src, float* dst, size_t count) {
  if (count == 0 && dtype_converts_to_f32(dtype))
    return;  // memcpy with null pointers is undefined even for 0
  switch (dtype) {
    case DType::kF32:
      std::memcpy(dst, src, count * sizeof(float));
      return;
    case DType::kF16:
      convert_f16(src, dst, count);
      return;
    case DType::kBF16:
      convert_bf16(src, dst, count);
      return;
    default:
      LLMC_FAIL() << "cannot convert " << dtype_name(dtype) << " to float32 (supported: F32, F16, BF16)";
  }
}

}  // namespace llmc
