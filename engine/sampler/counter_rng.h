// A counter-based random source: the number for (seed, step) is a pure function of the two, so nothing is
// carried between steps and any rank, or a request resumed after preemption, gets the same draw.
#pragma once

#include <cstdint>

namespace llmc {

// The SplitMix64 finaliser: a bijection on 64 bits with full avalanche.
constexpr uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 64 random bits for (seed, step): element `step` of the SplitMix64 stream that starts at mix64(seed), so
// nearby seeds give unrelated streams and one seed's steps never repeat within 2^64 draws.
constexpr uint64_t counter_bits(uint64_t seed, uint64_t step) {
  return mix64(mix64(seed) + step * 0x9E3779B97F4A7C15ull);
}

// Uniform in [0, 1) with 53 random bits.
constexpr double counter_uniform(uint64_t seed, uint64_t step) {
  return static_cast<double>(counter_bits(seed, step) >> 11) * 0x1p-53;
}

}  // namespace llmc
