// Linear layers through cuBLASLt.
//
// Row-major y [rows, out] = x [rows, in] * w [out, in]^T is, in cuBLASLt's column-major terms,
// y^T [out, rows] = op(W) [out, in] * X [in, rows]: the row-major w buffer read column-major is an [in, out]
// matrix with ld = in, so A = w with TRANSA = T; the row-major x buffer is column-major X [in, rows], ld = in,
// so B = x untransposed; and y is column-major [out, rows] with ld = out. Compute type float32 (no TF32, so
// float32 layers stay float32-exact up to summation order).
//
// The descriptors and the heuristic's algorithm are cached per (shape, types, bias, pointer alignment): the
// heuristic's choice depends on the alignment it is promised, so a call whose pointers are less aligned than
// a cached entry's gets its own entry instead of an algorithm that may need more.
#include "kernels/cuda/gemm.cuh"

#include <cublasLt.h>

#include <algorithm>
#include <unordered_map>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"

namespace llmc::kernels::cuda {
namespace {

cudaDataType_t cuda_type(DType t) {
  switch (t) {
    case DType::kF32:
      return CUDA_R_32F;
    case DType::kBF16:
      return CUDA_R_16BF;
    case DType::kF16:
      return CUDA_R_16F;
  }
  LLMC_FAIL() << "gemm: unknown DType " << static_cast<int>(t);
  return CUDA_R_32F;  // not reached: LLMC_FAIL throws
}

const char* type_name(DType t) { return t == DType::kF32 ? "f32" : t == DType::kBF16 ? "bf16" : "f16"; }

// Largest power of two (up to 256, cuBLASLt's default promise) dividing every non-null pointer.
uint32_t common_alignment(std::initializer_list<const void*> ptrs) {
  uint32_t align = 256;
  for (const void* p : ptrs) {
    if (p == nullptr) continue;
    const auto addr = reinterpret_cast<uintptr_t>(p);
    while (align > 1 && addr % align != 0) align /= 2;
  }
  return align;
}

struct Key {
  int64_t rows, in, out;
  DType in_type, out_type;
  bool epilogue_bias;
  uint32_t align;
  bool operator==(const Key& o) const {  // spelled out: CUDA sources build as C++17
    return rows == o.rows && in == o.in && out == o.out && in_type == o.in_type && out_type == o.out_type &&
           epilogue_bias == o.epilogue_bias && align == o.align;
  }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = std::hash<int64_t>()(k.rows);
    const auto mix = [&h](uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
    mix(static_cast<uint64_t>(k.in));
    mix(static_cast<uint64_t>(k.out));
    mix(static_cast<uint64_t>(k.in_type) * 16 + static_cast<uint64_t>(k.out_type) * 4 + (k.epilogue_bias ? 1 : 0));
    mix(k.align);
    return h;
  }
};

struct Entry {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

// y [rows, out] (f32 or the input type) += bias [out]; for the cases cuBLASLt's bias epilogue is not used.
template <typename Y, typename B>
__global__ void add_bias_kernel(Y* y, const B* bias, int64_t rows, int64_t out) {
  const int64_t n = rows * out;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    y[i] = detail::from_float<Y>(detail::to_float(y[i]) + detail::to_float(bias[i % out]));
  }
}

class CublasLtGemm final : public Gemm {
 public:
  explicit CublasLtGemm(size_t workspace_bytes) : workspace_bytes_(workspace_bytes) {
    LLMC_CUBLAS_CHECK(cublasLtCreate(&handle_));
    if (workspace_bytes_ == 0) return;
    if (const cudaError_t status = cudaMalloc(&workspace_, workspace_bytes_); status != cudaSuccess) {
      cublasLtDestroy(handle_);  // the destructor does not run for a throwing constructor
      LLMC_FAIL() << "gemm: allocating " << workspace_bytes_ << " bytes of cuBLASLt workspace failed: "
                  << cudaGetErrorString(status);
    }
  }

  ~CublasLtGemm() override {
    for (auto& [key, e] : cache_) {
      cublasLtMatrixLayoutDestroy(e.a);
      cublasLtMatrixLayoutDestroy(e.b);
      cublasLtMatrixLayoutDestroy(e.c);
      cublasLtMatmulDescDestroy(e.desc);
    }
    if (workspace_ != nullptr) cudaFree(workspace_);
    cublasLtDestroy(handle_);
  }

  void linear(const void* x, const void* w, const void* bias, void* y, int64_t rows, int64_t in, int64_t out,
              DType in_type, DType out_type, cudaStream_t stream) override {
    LLMC_CHECK(rows >= 0 && in > 0 && out > 0) << "gemm: bad shape rows=" << rows << " in=" << in << " out=" << out;
    LLMC_CHECK(out_type == in_type || out_type == DType::kF32)
        << "gemm: output type " << type_name(out_type) << " must be the input type " << type_name(in_type)
        << " or f32";
    if (rows == 0) return;
    // cuBLASLt's bias epilogue reads the bias in D's type; a bias in another type (bf16 weights, f32 logits)
    // is added by a small kernel afterwards instead.
    const bool epilogue_bias = bias != nullptr && out_type == in_type;
    const Key key{rows, in, out, in_type, out_type, epilogue_bias,
                  common_alignment({x, w, y, epilogue_bias ? bias : nullptr})};
    const Entry& e = entry(key, bias);
    if (epilogue_bias) {
      LLMC_CUBLAS_CHECK(
          cublasLtMatmulDescSetAttribute(e.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
    }
    const float alpha = 1.0f, beta = 0.0f;
    LLMC_CUBLAS_CHECK(cublasLtMatmul(handle_, e.desc, &alpha, w, e.a, x, e.b, &beta, y, e.c, y, e.c, &e.algo,
                                     workspace_, workspace_bytes_, stream));
    if (bias != nullptr && !epilogue_bias) {
      detail::dispatch_type(in_type, [&](auto tag) {
        using B = typename decltype(tag)::type;
        add_bias_kernel<float, B><<<detail::grid_for(rows * out, 256), 256, 0, stream>>>(
            static_cast<float*>(y), static_cast<const B*>(bias), rows, out);
        LLMC_CUDA_CHECK_LAUNCH("gemm bias");
      });
    }
  }

 private:
  const Entry& entry(const Key& key, const void* bias) {
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    Entry e;
    const cudaDataType_t ab = cuda_type(key.in_type);
    const cudaDataType_t cd = cuda_type(key.out_type);
    LLMC_CUBLAS_CHECK(cublasLtMatmulDescCreate(&e.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    LLMC_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof(trans_a)));
    LLMC_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e.desc, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof(trans_b)));
    if (key.epilogue_bias) {
      const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
      LLMC_CUBLAS_CHECK(
          cublasLtMatmulDescSetAttribute(e.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
      LLMC_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(e.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
    }
    LLMC_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&e.a, ab, static_cast<uint64_t>(key.in),
                                                 static_cast<uint64_t>(key.out), key.in));
    LLMC_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&e.b, ab, static_cast<uint64_t>(key.in),
                                                 static_cast<uint64_t>(key.rows), key.in));
    LLMC_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&e.c, cd, static_cast<uint64_t>(key.out),
                                                 static_cast<uint64_t>(key.rows), key.out));

    cublasLtMatmulPreference_t pref = nullptr;
    LLMC_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    LLMC_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                           &workspace_bytes_, sizeof(workspace_bytes_)));
    for (const auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                            CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
      LLMC_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, attr, &key.align, sizeof(key.align)));
    }
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    const cublasStatus_t status =
        cublasLtMatmulAlgoGetHeuristic(handle_, e.desc, e.a, e.b, e.c, e.c, pref, 1, &result, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (status != CUBLAS_STATUS_SUCCESS || found == 0) {
      cublasLtMatrixLayoutDestroy(e.a);
      cublasLtMatrixLayoutDestroy(e.b);
      cublasLtMatrixLayoutDestroy(e.c);
      cublasLtMatmulDescDestroy(e.desc);
      LLMC_FAIL() << "gemm: cuBLASLt has no algorithm for x [" << key.rows << ", " << key.in << "] * w [" << key.out
                  << ", " << key.in << "]^T, " << type_name(key.in_type) << " -> " << type_name(key.out_type)
                  << (key.epilogue_bias ? " with bias" : "") << ", pointers aligned to " << key.align
                  << " bytes: " << cublasLtGetStatusString(status);
    }
    e.algo = result.algo;
    return cache_.emplace(key, e).first->second;
  }

  cublasLtHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  std::unordered_map<Key, Entry, KeyHash> cache_;
};

}  // namespace

std::unique_ptr<Gemm> Gemm::create(size_t workspace_bytes) { return std::make_unique<CublasLtGemm>(workspace_bytes); }

}  // namespace llmc::kernels::cuda
