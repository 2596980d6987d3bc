// Embedding lookup for a vocabulary shard (vocab-parallel embedding under tensor parallelism).
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

// table: [vocab_end - vocab_begin, dim], the rows this rank holds. out: [tokens, dim]. A token outside
// [vocab_begin, vocab_end) gets zeros: another rank holds it and the all-reduce that follows fills it in.
void embedding_lookup(const int32_t* ids, int64_t tokens, const float* table, int64_t vocab_begin,
                      int64_t vocab_end, int64_t dim, float* out);

}  // namespace llmc::kernels::cpu
