#include "kernels/cpu/rope.h"

namespace llmc::kernels::cpu {

void apply_rope(float* x, const int32_t* positions, const float* cos_sin, int64_t tokens, int64_t heads,
                int64_t head_dim, int64_t rotary_dim) {
  const int64_t half = rotary_dim / 2;
#pragma omp parallel for if (tokens * heads * head_dim > 65536)
  for (int64_t t = 0; t < tokens; ++t) {
    const float* cos = cos_sin + static_cast<int64_t>(positions[t]) * rotary_dim;
    const float* sin = cos + half;
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + (t * heads + h) * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const float a = v[i];
        const float b = v[i + half];
        v[i] = a * cos[i] - b * sin[i];
        v[i + half] = b * cos[i] + a * sin[i];
      }
    }
  }
}

}  // namespace llmc::kernels::cpu
