// The paged KV cache of one rank: for each local layer, K and V blocks of
// [num_blocks, block_size, kv_heads, head_dim]. Block ids come from the head's block manager in each plan;
// the cache itself keeps no per-sequence state.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backend/backend.h"

namespace llmc {

struct KvCacheShape {
  int64_t num_layers = 0;  // local layers
  int64_t block_size = 16;
  int64_t kv_heads = 0;    // local kv heads
  int64_t head_dim = 0;
  ScalarType type = ScalarType::kF32;

  // K and V of every local layer for one block.
  int64_t bytes_per_block() const;
};

class KvCache {
 public:
  KvCache(Backend& backend, const KvCacheShape& shape, int64_t num_blocks);
  // How many blocks fit in `bytes`.
  static int64_t blocks_for_bytes(const KvCacheShape& shape, int64_t bytes);

  Tensor& k(int64_t local_layer) { return k_[local_layer]; }
  Tensor& v(int64_t local_layer) { return v_[local_layer]; }
  int64_t num_blocks() const { return num_blocks_; }
  const KvCacheShape& shape() const { return shape_; }

 private:
  KvCacheShape shape_;
  int64_t num_blocks_;
  std::vector<Tensor> k_;
  std::vector<Tensor> v_;
};

}  // namespace llmc
