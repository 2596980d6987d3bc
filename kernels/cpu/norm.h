// RMSNorm as Llama-family models define it: y = x / sqrt(mean(x^2) + eps) * weight, computed in float32.
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

// x, out: [rows, dim]; weight: [dim]. out may alias x.
void rms_norm(const float* x, const float* weight, float eps, int64_t rows, int64_t dim, float* out);

// residual += x; out = rms_norm(residual). Fuses the residual add that precedes every norm after the first.
void add_rms_norm(float* residual, const float* x, const float* weight, float eps, int64_t rows, int64_t dim,
                  float* out);

}  // namespace llmc::kernels::cpu
