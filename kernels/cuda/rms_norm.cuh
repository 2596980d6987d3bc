// RMSNorm as Hugging Face Llama-family models compute it: statistics in float32, the normalized value rounded
// to the activation type, then multiplied by the weight (so bf16 results match transformers' rounding).
#pragma once

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

// x, out [rows, dim]; weight [dim]. out may alias x.
void rms_norm(const void* x, const void* weight, float eps, int64_t rows, int64_t dim, void* out, DType type,
              cudaStream_t stream);

// residual [rows, dim] += x [rows, dim] (rounded to the activation type, as transformers adds), then
// out [rows, dim] = rms_norm(residual). One pass over each buffer.
void add_rms_norm(void* residual, const void* x, const void* weight, float eps, int64_t rows, int64_t dim, void* out,
                  DType type, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
