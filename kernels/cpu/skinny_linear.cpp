#include "kernels/cpu/skinny_linear.h"

#include <algorithm>

namespace llmc::kernels::cpu {
namespace {

// 16 independent partial sums per (row, output): the compiler vectorises the lane loop without reordering any
// lane's additions (IEEE order kept, no fast-math), and the sum over lanes at the end is fixed. Rows go in
// groups of 4 so the accumulators (4 x 16 floats) stay in registers.
constexpr int64_t kLanes = 16;
constexpr int64_t kRowGroup = 4;

template <int64_t R>
void dot_rows(const float* x, int64_t in, const float* wr, float* out_sums) {
  float acc[R][kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= in; k += kLanes) {
    for (int64_t r = 0; r < R; ++r) {
      const float* xr = x + r * in + k;
      for (int64_t j = 0; j < kLanes; ++j) acc[r][j] += xr[j] * wr[k + j];
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    float tail = 0.0f;
    for (int64_t kk = k; kk < in; ++kk) tail += x[r * in + kk] * wr[kk];
    // Pairwise over the lanes: a fixed tree, the same for every call.
    float s[kLanes];
    std::copy(acc[r], acc[r] + kLanes, s);
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
