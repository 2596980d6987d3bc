// Internal: copies whole rows selected by an index list (shared by gather_rows and embedding).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace llmc::kernels::cuda::detail {

// out [count, row_bytes] row i = src row (ids[i] - id_begin). With id_rows >= 0, an id outside
// [id_begin, id_begin + id_rows) gives a zero row; with id_rows < 0 ids are trusted (no range check).
void copy_rows(const void* src, const int32_t* ids, int64_t count, int64_t row_bytes, int64_t id_begin,
               int64_t id_rows, void* out, cudaStream_t stream);

}  // namespace llmc::kernels::cuda::detail
