#include "runtime/head/block_hash.h"

namespace llmc {
namespace {

// Fractional parts of the square roots of the first primes: arbitrary, but nothing up anyone's sleeve.
constexpr uint64_t kSqrt2 = 0x6a09e667f3bcc909ull;
constexpr uint64_t kSqrt3 = 0xbb67ae8584caa73bull;
constexpr uint64_t kSqrt5 = 0x3c6ef372fe94f82bull;
constexpr uint64_t kSqrt7 = 0xa54ff53a5f1d36f1ull;
constexpr uint64_t kSqrt11 = 0x510e527fade682d1ull;
constexpr uint64_t kSqrt13 = 0x9b05688c2b3e6c1full;

// Folds the full 128-bit product: every input bit reaches every output bit within a few rounds.
inline uint64_t fold_mul(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

// Final avalanche so that nearby states end far apart.
inline uint64_t finish(uint64_t h) {
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 29;
  h *= 0xcf1bbcdcb7a56463ull;
  return h ^ (h >> 32);
}

uint64_t lane(uint64_t key_a, uint64_t key_b, const BlockHash& parent, std::span<const int32_t> tokens) {
  uint64_t h = fold_mul(parent.lo ^ key_a, parent.hi ^ key_b);
  h = fold_mul(h ^ static_cast<uint64_t>(tokens.size()) ^ kSqrt13, key_a);
  size_t i = 0;
  for (; i + 1 < tokens.size(); i += 2) {
    const uint64_t word = static_cast<uint32_t>(tokens[i]) | (static_cast<uint64_t>(static_cast<uint32_t>(tokens[i + 1])) << 32);
    h = fold_mul(h ^ word ^ key_b, key_a ^ (h >> 17));
    h += word;  // keeps the step injective when the product happens to fold to zero
  }
  if (i < tokens.size()) h = fold_mul(h ^ static_cast<uint32_t>(tokens[i]) ^ key_b, key_a);
  return finish(h);
}

}  // namespace

BlockHash hash_block(const BlockHash& parent, std::span<const int32_t> tokens) {
  return BlockHash{lane(kSqrt2, kSqrt3, parent, tokens), lane(kSqrt5 | 1, kSqrt7 ^ kSqrt11, parent, tokens)};
}

}  // namespace llmc
