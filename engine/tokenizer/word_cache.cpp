#include "engine/tokenizer/word_cache.h"

namespace llmc {

WordCache::WordCache(size_t capacity) : shard_capacity_(capacity / kShards + 1) {}

bool WordCache::lookup(std::string_view word, std::vector<int32_t>& out) const {
  const Key key = make_key(word);
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.words.find(key);
  if (it == shard.words.end()) return false;
  out.insert(out.end(), it->second.begin(), it->second.end());
  return true;
}

void WordCache::insert(std::string_view word, std::span<const int32_t> ids) const {
  const Key key = make_key(word);
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  if (shard.words.size() >= shard_capacity_) shard.words.clear();
  shard.words.try_emplace(std::string(word), ids.begin(), ids.end());
}

}  // namespace llmc
