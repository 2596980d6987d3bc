// Bounded, thread-safe cache from a pre-tokenized word to its BPE ids. Real text repeats a small set of words,
// so most words skip the merge loop. Sharded so that encoders on several threads rarely contend; a full shard
// is simply emptied (cheap, and keeps memory bounded without bookkeeping on every hit).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmc {

class WordCache {
 public:
  // `capacity`: the most words kept at once, over all shards.
  explicit WordCache(size_t capacity);

  // Appends the cached ids of `word` to `out` and returns true, or returns false on a miss.
  bool lookup(std::string_view word, std::vector<int32_t>& out) const;
  void insert(std::string_view word, std::span<const int32_t> ids) const;

 private:
  static constexpr size_t kShards = 16;
  // A lookup key that carries its hash, so the hash is computed once for the shard and the map.
  struct Key {
    std::string_view text;
    size_t hash;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const Key& k) const { return k.hash; }
    size_t operator()(const std::string& s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const std::string& a, const std::string& b) const { return a == b; }
    bool operator()(const Key& a, const std::string& b) const { return a.text == b; }
    bool operator()(const std::string& a, const Key& b) const { return a == b.text; }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>, Hash, Equal> words;
  };

  static Key make_key(std::string_view word) { return {word, std::hash<std::string_view>{}(word)}; }
  Shard& shard_of(const Key& key) const { return shards_[(key.hash >> 40) % kShards]; }

  size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace llmc
