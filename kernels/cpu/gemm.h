// Dense products through OpenBLAS.
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

// y[rows, out] = x[rows, in] * w[out, in]^T (+ bias[out]): a Hugging Face nn.Linear with row-major weights.
void linear(const float* x, const float* w, const float* bias, int64_t rows, int64_t in, int64_t out, float* y);

// Threads OpenBLAS may use for one product (0: its default, all cores).
void set_blas_threads(int threads);
int blas_threads();

}  // namespace llmc::kernels::cpu
