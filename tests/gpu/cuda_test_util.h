// Helpers for the CUDA kernel tests: device buffers, host copies of bf16/f16/f32 data with the same
// round-to-nearest-even the kernels use, random inputs, NaN poisoning and the relative-error measure.
// The references built on these are computed in double on the host, independently of the kernels.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/dtype.cuh"

namespace llmc::cuda_test {

using kernels::cuda::DType;

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

inline bool has_gpu() {
  static const bool found = [] {
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
  }();
  return found;
}

// Every test skips (and so passes through ctest) on a machine without a GPU, such as CI.
class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!has_gpu()) GTEST_SKIP() << "no CUDA device";
    check_cuda(cudaStreamCreate(&stream_), "cudaStreamCreate");
  }
  void TearDown() override {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }
  void sync() { check_cuda(cudaStreamSynchronize(stream_), "kernel execution"); }
  cudaStream_t stream_ = nullptr;
};

inline const char* name(DType t) { return t == DType::kF32 ? "f32" : t == DType::kBF16 ? "bf16" : "f16"; }

inline uint16_t float_to_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return 0x7fc0;
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

inline float bf16_bits_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// The value a `type` tensor holds for x (x first rounded to float, as the kernels' float math is).
inline double round_to(DType type, double x) {
  const float f = static_cast<float>(x);
  switch (type) {
    case DType::kF32:
      return f;
    case DType::kBF16:
      return bf16_bits_to_float(float_to_bf16_bits(f));
    case DType::kF16:
      return __half2float(__float2half_rn(f));
  }
  return f;
}

// A host array in a device element format.
class HostArray {
 public:
  HostArray() = default;
  HostArray(DType type, int64_t n) : type_(type), n_(n), bytes_(static_cast<size_t>(n) * kernels::cuda::dtype_size(type)) {}
  DType type() const { return type_; }
  int64_t size() const { return n_; }
  size_t bytes() const { return bytes_.size(); }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  double get(int64_t i) const {
    switch (type_) {
      case DType::kF32: {
        float f;
        std::memcpy(&f, bytes_.data() + 4 * i, 4);
        return f;
      }
      case DType::kBF16: {
        uint16_t h;
        std::memcpy(&h, bytes_.data() + 2 * i, 2);
        return bf16_bits_to_float(h);
      }
      case DType::kF16: {
        __half h;
        std::memcpy(&h, bytes_.data() + 2 * i, 2);
        return __half2float(h);
      }
    }
    return 0;
  }
  void set(int64_t i, double x) {  // rounds to the element type
    const float f = static_cast<float>(x);
    switch (type_) {
      case DType::kF32:
        std::memcpy(bytes_.data() + 4 * i, &f, 4);
        return;
      case DType::kBF16: {
        const uint16_t h = float_to_bf16_bits(f);
        std::memcpy(bytes_.data() + 2 * i, &h, 2);
        return;
      }
      case DType::kF16: {
        const __half h = __float2half_rn(f);
        std::memcpy(bytes_.data() + 2 * i, &h, 2);
        return;
      }
    }
  }
  std::vector<double> values() const {
    std::vector<double> v(n_);
    for (int64_t i = 0; i < n_; ++i) v[i] = get(i);
    return v;
  }
  std::vector<float> floats() const {
    std::vector<float> v(n_);
    for (int64_t i = 0; i < n_; ++i) v[i] = static_cast<float>(get(i));
    return v;
  }

 private:
  DType type_ = DType::kF32;
  int64_t n_ = 0;
  std::vector<uint8_t> bytes_;
};

// Uniform in [lo, hi), never exactly zero, rounded to the array's type.
inline HostArray random_array(DType type, int64_t n, std::mt19937& rng, double lo = -1.0, double hi = 1.0) {
  HostArray a(type, n);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (int64_t i = 0; i < n; ++i) {
    double x = dist(rng);
    if (x == 0.0) x = 0.5 * hi;
    a.set(i, x);
  }
  return a;
}

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes > 0) check_cuda(cudaMalloc(&ptr_, bytes), "cudaMalloc");
  }
  explicit DeviceBuffer(const HostArray& a) : DeviceBuffer(a.bytes()) { upload(a.data(), a.bytes()); }
  template <typename T>
  explicit DeviceBuffer(const std::vector<T>& v) : DeviceBuffer(v.size() * sizeof(T)) {
    upload(v.data(), v.size() * sizeof(T));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }
  void* get() const { return ptr_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t bytes() const { return bytes_; }
  void upload(const void* src, size_t n) { check_cuda(cudaMemcpy(ptr_, src, n, cudaMemcpyHostToDevice), "upload"); }
  // Fills with 0xFF bytes: NaN in f32, bf16 and f16, so an element a kernel forgot to write shows.
  void poison() { check_cuda(cudaMemset(ptr_, 0xFF, bytes_), "poison"); }
  void download(void* dst, size_t n) const {
    check_cuda(cudaDeviceSynchronize(), "kernel execution");
    check_cuda(cudaMemcpy(dst, ptr_, n, cudaMemcpyDeviceToHost), "download");
  }
  HostArray download(DType type, int64_t n) const {
    HostArray a(type, n);
    download(a.data(), a.bytes());
    return a;
  }
  template <typename T>
  std::vector<T> download_vector(size_t n) const {
    std::vector<T> v(n);
    download(v.data(), n * sizeof(T));
    return v;
  }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// ||out - ref|| / ||ref||; a non-finite out element (unwritten: still NaN) makes it infinite.
inline double rel_error(const std::vector<double>& out, const std::vector<double>& ref) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(out[i])) return INFINITY;
    num += (out[i] - ref[i]) * (out[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  return den > 0.0 ? std::sqrt(num / den) : std::sqrt(num);
}

inline int64_t count_non_finite(const std::vector<double>& v) {
  int64_t n = 0;
  for (double x : v) n += std::isfinite(x) ? 0 : 1;
  return n;
}

// Tolerance for an output rounded once (or a few times) to `type`: a few units in the last place of bf16/f16,
// float32 summation-order noise for f32.
inline double tolerance(DType type) {
  switch (type) {
    case DType::kF32:
      return 1e-5;
    case DType::kBF16:
      return 1e-2;
    case DType::kF16:
      return 2e-3;
  }
  return 0;
}

inline const std::vector<DType>& all_types() {
  static const std::vector<DType> types{DType::kF32, DType::kBF16, DType::kF16};
  return types;
}

}  // namespace llmc::cuda_test
