// Element types of safetensors files and their conversion to float32.
//
// Weights are stored as F32, F16 or BF16 in the checkpoints we serve; the other types are parsed so that a
// file holding them still opens (and a read of such a tensor fails with a clear message), never to compute.
// All conversions assume a little-endian host, as the safetensors format does.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace llmc {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2 };

// "F32", "BF16", "F8_E4M3", ... (the safetensors spelling); nullopt for anything else.
std::optional<DType> parse_dtype(std::string_view name);
// The safetensors spelling of `dtype`.
std::string_view dtype_name(DType dtype);
// Bytes per element.
size_t dtype_size(DType dtype);
// True for the types convert_to_f32 accepts: F32, F16, BF16.
bool dtype_converts_to_f32(DType dtype);

// IEEE binary16 bit pattern to float32; exact for every value (subnormals, infinities; NaN stays NaN).
float f16_to_f32(uint16_t bits);

// bfloat16 is the top half of a float32, so widening is a shift and exact.
inline float bf16_to_f32(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

// float32 to bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN).
inline uint16_t f32_to_bf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// float32 to IEEE binary16 bits, rounding to nearest even; overflow gives infinity, tiny values subnormals.
uint16_t f32_to_f16(float f);

// Converts `count` elements starting at `src` (any alignment) to float32. dtype must be F32, F16 or BF16;
// anything else throws llmc::Error.
void convert_to_f32(DType dtype, const std::byte* src, float* dst, size_t count);

}  // namespace llmc
