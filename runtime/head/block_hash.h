// Content hash of one full KV block for automatic prefix caching.
//
// A block's identity is (the hash of the block before it, its token ids), so equal hashes mean equal prefixes
// up to the block's end. The hash is 128 bits (two independently keyed 64-bit lanes); BlockPool additionally
// compares the stored tokens and parent hash on a hit, so a collision inside one block can never serve wrong KV
// and a wrong chain would need a full 128-bit collision. Not cryptographic: do not expose hashes to clients.
#pragma once

#include <cstdint>
#include <span>

namespace llmc {

struct BlockHash {
  uint64_t lo = 0;
  uint64_t hi = 0;
  friend bool operator==(const BlockHash&, const BlockHash&) = default;
};

// Parent hash of a request's first block.
inline constexpr BlockHash kRootBlockHash{0, 0};

BlockHash hash_block(const BlockHash& parent, std::span<const int32_t> tokens);

struct BlockHashHasher {
  size_t operator()(const BlockHash& h) const { return static_cast<size_t>(h.lo ^ (h.hi * 0x9e3779b97f4a7c15ull)); }
};

}  // namespace llmc
