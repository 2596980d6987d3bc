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
  const size_t n = size_t{1} << 28;  // 1 GiB of floats, far beyond any cache
  std::vector<float> data(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) data[i] = 1.0f;  // first touch by the threads that read it
  // 32 independent partial sums per thread: without them one float add chain (about 4 cycles per element)
  // would be the limit and the "bandwidth" would be the adder's latency. IEEE order is kept per lane, so
  // no fast-math is needed for the compiler to vectorise this.
  constexpr size_t kLanes = 32;
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t = std::chrono::steady_clock::now();
    float total = 0.0f;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      const size_t nt = static_cast<size_t>(omp_get_num_threads());
      const size_t id = static_cast<size_t>(omp_get_thread_num());
      const size_t chunk = n / nt / kLanes * kLanes;
      const float* p = data.data() + id * chunk;
      float acc[kLanes] = {};
      for (size_t i = 0; i < chunk; i += kLanes) {
        for (size_t j = 0; j < kLanes; ++j) acc[j] += p[i + j];
      }
      for (float a : acc) total += a;
    }
    const double s = seconds_since(t);
    sink = sink + total;
    best = std::max(best, static_cast<double>(n / kLanes * kLanes * sizeof(float)) / s);
  }
  // The same gigabyte read as a matrix-vector product by OpenBLAS, whose kernels prefetch: on some machines
  // it streams faster than the plain loop above. The limit is the best read rate either showed.
  const int64_t cols = 4096, rows = static_cast<int64_t>(n) / cols;
  std::vector<float> x(static_cast<size_t>(cols), 1.0f), y(static_cast<size_t>(rows));
  for (int rep = 0; rep < 5; ++rep) {
    const auto t = std::chrono::steady_clock::now();
    cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0f, data.data(), cols, x.data(), 1, 0.0f, y.data(), 1);
    best = std::max(best, static_cast<double>(rows * cols * sizeof(float)) / seconds_since(t));
  }
  sink = sink + y[0];
  return best;
}

double measure_sgemm_flops(int m, int n, int k) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(k) * n, 0.25f),
      c(static_cast<size_t>(m) * n);
  double best = 0.0;
  // Best of 10: on a shared machine the best run is the closest to what the hardware can do.
  for (int rep = 0; rep < 10; ++rep) {
    const auto t = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, c.data(), n);
    best = std::max(best, 2.0 * m * n * k / seconds_since(t));
  }
  return best;
}

}  // namespace llmc::bench
