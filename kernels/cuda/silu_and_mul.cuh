// SwiGLU's activation: out = silu(gate) * up, computed in float32, rounded once.
#pragma once

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

// gate_up [rows, 2 * inter]: each row's gate half, then its up half; out [rows, inter].
void silu_and_mul(const void* gate_up, int64_t rows, int64_t inter, void* out, DType type, cudaStream_t stream);

}  // namespace llmc::kernels::cuda
