// Small row and element operations the model needs between the big ones.
#pragma once

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

// a [n] += b [n].
void add_inplace(void* a, const void* b, int64_t n, DType type, cudaStream_t stream);

// out [count, row_bytes] = rows indices[i] of x [*, row_bytes]; indices [count] i32 on the device.
void gather_rows(const void* x, const int32_t* indices, int64_t count, int64_t row_bytes, void* out,
                 cudaStream_t stream);

// out [n] (out_type) = in [n] (in_type), rounding to nearest even.
void convert(const void* in, DType in_type, void* out, DType out_type, int64_t n, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
