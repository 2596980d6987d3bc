#include "engine/model/kv_cache.h"

#include "common/check.h"

namespace llmc {

int64_t KvCacheShape::bytes_per_block() const {
  return 2 * num_layers * block_size * kv_heads * head_dim * static_cast<int64_t>(scalar_size(type));
}

int64_t KvCache::blocks_for_bytes(const KvCacheShape& shape, int64_t bytes) {
  return bytes / shape.bytes_per_block();
}

KvCache::KvCache(Backend& backend, const KvCacheShape& shape, int64_t num_blocks)
    : shape_(shape), num_blocks_(num_blocks) {
  LLMC_CHECK(num_blocks > 0) << "the KV cache needs at least one block (block size " << shape.block_size
                             << ", " << shape.bytes_per_block() << " bytes per block)";
  for (int64_t l = 0; l < shape.num_layers; ++l) {
    k_.push_back(backend.zeros(shape.type, {num_blocks, shape.block_size, shape.kv_heads, shape.head_dim}));
    v_.push_back(backend.zeros(shape.type, {num_blocks, shape.block_size, shape.kv_heads, shape.head_dim}));
  }
}

}  // namespace llmc
