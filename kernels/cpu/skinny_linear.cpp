#include "kernels/cpu/skinny_linear.h"

#include <algorithm>

namespace llmc::kernels::cpu {
namespace {

// 16 independent partial sums per (row, output), as two 8-float vectors (GCC/Clang vector extensions: AVX
// registers with -march=native, SSE pairs otherwise). Plain float arrays here were kept on the stack by the
// compiler, reloading every accumulator each iteration; vector-typed locals stay in registers. Each lane's
// additions keep IEEE order (no fast-math), and the sum over lanes at the end is a fixed tree. Rows go in groups
// of 4, so the accumulators (4 x 2 vectors) and the loaded weights fit in the 16 AVX registers.
constexpr int64_t kLanes = 16;
constexpr int64_t kRowGroup = 4;

typedef float Vec8 __attribute__((vector_size(32)));
typedef float Vec8Unaligned __attribute__((vector_size(32), aligned(4)));

inline Vec8 load8(const float* p) { return *reinterpret_cast<const Vec8Unaligned*>(p); }

template <int64_t R>
void dot_rows(const float* x, int64_t in, const float* wr, float* out_sums) {
  Vec8 lo[R], hi[R];
  for (int64_t r = 0; r < R; ++r) lo[r] = hi[r] = Vec8{};
  int64_t k = 0;
  for (; k + kLanes <= in; k += kLanes) {
    const Vec8 w0 = load8(wr + k), w1 = load8(wr + k + 8);
    for (int64_t r = 0; r < R; ++r) {
      const float* xr = x + r * in + k;
      lo[r] += load8(xr) * w0;
      hi[r] += load8(xr + 8) * w1;
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    float tail = 0.0f;
    for (int64_t kk = k; kk < in; ++kk) tail += x[r * in + kk] * wr[kk];
    // Pairwise over the 16 lanes: a fixed tree, the same for every call.
    float s[kLanes];
    for (int64_t j = 0; j < 8; ++j) {
      s[j] = lo[r][j];
      s[8 + j] = hi[r][j];
    }
    for (int64_t width = kLanes / 2; width > 0; width /= 2) {
      for (int64_t j = 0; j < width; ++j) s[j] += s[j + width];
    }
    out_sums[r] = s[0] + tail;
  }
}

void dot_group(const float* x, int64_t rows, int64_t in, const float* wr, float* sums) {
  switch (rows) {
    case 1: dot_rows<1>(x, in, wr, sums); break;
    case 2: dot_rows<2>(x, in, wr, sums); break;
    case 3: dot_rows<3>(x, in, wr, sums); break;
    default: dot_rows<4>(x, in, wr, sums); break;
  }
}

}  // namespace

void skinny_linear(const float* x, const float* w, const float* bias, int64_t rows, int64_t in, int64_t out,
                   float* y) {
  // Threads split the outputs (the weight rows); large products only, so a tiny model's step stays serial.
#pragma omp parallel for schedule(static) if (out * in > 65536)
  for (int64_t o = 0; o < out; ++o) {
    const float* wr = w + o * in;
    float sums[kRowGroup];
    for (int64_t r0 = 0; r0 < rows; r0 += kRowGroup) {
      const int64_t n = std::min(kRowGroup, rows - r0);
      dot_group(x + r0 * in, n, in, wr, sums);
      for (int64_t r = 0; r < n; ++r) y[(r0 + r) * out + o] = sums[r] + (bias != nullptr ? bias[o] : 0.0f);
    }
  }
}

}  // namespace llmc::kernels::cpu
