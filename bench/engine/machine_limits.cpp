#include "machine_limits.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace llmc::bench {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

double measure_read_bandwidth(int threads) {
  const size_t n = size_t{1} << 28;  // 1 GiB of floats
  std::vector<float> data(n, 1.0f);
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t = std::chrono::steady_clock::now();
    float total = 0.0f;
#pragma omp parallel for simd reduction(+ : total) num_threads(threads)
    for (size_t i = 0; i < n; ++i) total += data[i];
    const double s = seconds_since(t);
    sink = sink + total;
    best = std::max(best, static_cast<double>(n * sizeof(float)) / s);
  }
  return best;
}

double measure_sgemm_flops(int m, int n, int k) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(k) * n, 0.25f),
      c(static_cast<size_t>(m) * n);
  double best = 0.0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, c.data(), n);
    best = std::max(best, 2.0 * m * n * k / seconds_since(t));
  }
  return best;
}

}  // namespace llmc::bench
