#include "engine/model/device_batch.h"

#include <algorithm>
#include <cstring>

namespace llmc {
namespace {

// Lays arrays out back to back in one host buffer, each 8-byte aligned (slot_mapping is i64).
class Packer {
 public:
  size_t add(const void* data, size_t bytes) {
    const size_t at = (buffer_.size() + 7) / 8 * 8;
    buffer_.resize(at + bytes);
    if (bytes > 0) std::memcpy(buffer_.data() + at, data, bytes);
    return at;
  }
  template <typename T>
  size_t add(const std::vector<T>& v) {
    return add(v.data(), v.size() * sizeof(T));
  }
  const std::vector<std::byte>& bytes() const { return buffer_; }

 private:
  std::vector<std::byte> buffer_;
};

}  // namespace

DeviceBatch upload_batch(const ForwardBatch& batch, Backend& backend) {
  Packer pack;
  const size_t slots = pack.add(batch.slot_mapping);
  const size_t ids = pack.add(batch.token_ids);
  const size_t positions = pack.add(batch.positions);
  const size_t logits = pack.add(batch.logits_indices);
  const size_t starts = pack.add(batch.query_start);
  const size_t lens = pack.add(batch.context_lens);
  const size_t tables = pack.add(batch.block_tables);
  const int64_t words = static_cast<int64_t>((std::max<size_t>(pack.bytes().size(), 8) + 7) / 8);
  Tensor all = backend.scratch(ScalarType::kI64, {words});
  std::vector<std::byte> padded = pack.bytes();
  padded.resize(static_cast<size_t>(words) * 8);
  backend.copy_from_host(padded.data(), all);

  auto i32 = [&](size_t at, size_t count) { return all.view(at, ScalarType::kI32, {static_cast<int64_t>(count)}); };
  DeviceBatch d;
  d.token_ids = i32(ids, batch.token_ids.size());
  d.positions = i32(positions, batch.positions.size());
  d.logits_indices = i32(logits, batch.logits_indices.size());
  AttentionMetadata& m = d.attention;
  m.slot_mapping = all.view(slots, ScalarType::kI64, {batch.num_tokens()});
  m.query_start = i32(starts, batch.query_start.size());
  m.context_lens = i32(lens, batch.context_lens.size());
  m.block_tables = i32(tables, batch.block_tables.size()).reshape({batch.num_seqs(), batch.max_blocks_per_seq});
  m.num_tokens = batch.num_tokens();
  m.num_seqs = batch.num_seqs();
  m.max_blocks_per_seq = batch.max_blocks_per_seq;
  for (size_t s = 0; s + 1 < batch.query_start.size(); ++s) {
    m.max_query_len = std::max<int64_t>(m.max_query_len, batch.query_start[s + 1] - batch.query_start[s]);
  }
  for (int32_t len : batch.context_lens) m.max_context_len = std::max<int64_t>(m.max_context_len, len);
  return d;
}

}  // namespace llmc
