// Vocab-parallel embedding: a row copy per token, zero rows for ids another rank holds.
#include "kernels/cuda/embedding.cuh"

#include "common/check.h"
#include "kernels/cuda/row_copy.cuh"

namespace llmc::kernels::cuda {

void embedding(const int32_t* ids, int64_t tokens, const void* table, int64_t vocab_begin, int64_t vocab_rows,
               int64_t hidden, void* out, DType type, cudaStream_t stream) {
  LLMC_CHECK(tokens >= 0 && hidden > 0 && vocab_rows >= 0)
      << "embedding: bad sizes tokens=" << tokens << " hidden=" << hidden << " vocab_rows=" << vocab_rows;
  detail::copy_rows(table, ids, tokens, hidden * dtype_size(type), vocab_begin, vocab_rows, out, stream);
}

}  // namespace llmc::kernels::cuda
