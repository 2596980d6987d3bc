#include "kernels/cpu/activation.h"

#include <cmath>

namespace llmc::kernels::cpu {

void silu_and_mul(const float* gate_up, int64_t rows, int64_t dim, float* out) {
#pragma omp parallel for if (rows * dim > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    const float* gate = gate_up + r * 2 * dim;
    const float* up = gate + dim;
    float* o = out + r * dim;
    for (int64_t i = 0; i < dim; ++i) o[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
  }
}

}  // namespace llmc::kernels::cpu
