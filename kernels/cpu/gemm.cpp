#include "kernels/cpu/gemm.h"

#include <cblas.h>

#include <cstring>

#include "kernels/cpu/skinny_linear.h"

namespace llmc::kernels::cpu {

void linear(const float* x, const float* w, const float* bias, int64_t rows, int64_t in, int64_t out, float* y) {
  if (rows > 1 && rows <= kSkinnyMaxRows && in >= kSkinnyMinInputs) {
    // A decode step of a few sequences: sgemm would re-pack the whole weight matrix (skinny_linear.h).
    skinny_linear(x, w, bias, rows, in, out, y);
    return;
  }
  float beta = 0.0f;
  if (bias != nullptr) {
    for (int64_t r = 0; r < rows; ++r) std::memcpy(y + r * out, bias, sizeof(float) * out);
    beta = 1.0f;
  }
  if (rows == 1) {
    // A decode step of one sequence: a matrix-vector product reads the weights once, as fast as memory allows.
    cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, w, in, x, 1, beta, y, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out, in, 1.0f, x, in, w, in, beta, y, out);
}

void set_blas_threads(int threads) {
  if (threads > 0) openblas_set_num_threads(threads);
}

int blas_threads() { return openblas_get_num_threads(); }

}  // namespace llmc::kernels::cpu
