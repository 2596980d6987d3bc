// Vocab-parallel embedding gather: each rank holds rows [vocab_begin, vocab_begin + vocab_rows) of the table.
#pragma once

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

// ids [tokens] i32; table [vocab_rows, hidden]; out [tokens, hidden]. Rows whose id falls outside this rank's
// range are zero (the tensor-parallel all-reduce then sums exactly one non-zero row per token).
void embedding(const int32_t* ids, int64_t tokens, const void* table, int64_t vocab_begin, int64_t vocab_rows,
               int64_t hidden, void* out, DType type, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
