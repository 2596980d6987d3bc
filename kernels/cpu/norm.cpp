#include "kernels/cpu/norm.h"

#include <cmath>

namespace llmc::kernels::cpu {
namespace {

void normalize_row(const float* x, const float* weight, float eps, int64_t dim, float* out) {
  // Accumulate in double: the reference computes the mean in float32 over at most a few thousand values, and a
  // double sum keeps our error well under its own.
  double sum_sq = 0.0;
  for (int64_t i = 0; i < dim; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  const float inv_rms = 1.0f / std::sqrt(static_cast<float>(sum_sq / dim) + eps);
  for (int64_t i = 0; i < dim; ++i) out[i] = (x[i] * inv_rms) * weight[i];
}

}  // namespace

void rms_norm(const float* x, const float* weight, float eps, int64_t rows, int64_t dim, float* out) {
#pragma omp parallel for if (rows * dim > 65536)
  for (int64_t r = 0; r < rows; ++r) normalize_row(x + r * dim, weight, eps, dim, out + r * dim);
}

void add_rms_norm(float* residual, const float* x, const float* weight, float eps, int64_t rows, int64_t dim,
                  float* out) {
#pragma omp parallel for if (rows * dim > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    float* res = residual + r * dim;
    const float* xr = x + r * dim;
    for (int64_t i = 0; i < dim; ++i) res[i] += xr[i];
    normalize_row(res, weight, eps, dim, out + r * dim);
  }
}

}  // namespace llmc::kernels::cpu
