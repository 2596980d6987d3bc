// Linear layers through cuBLASLt: y [rows, out] = x [rows, in] * w [out, in]^T (+ bias [out]), float32
// accumulation. Plan/run: the matmul descriptors and the heuristic's algorithm are chosen once per shape and
// cached, so a steady decode step makes no cuBLASLt planning calls.
#pragma once

#include <cstddef>
#include <memory>

#include "kernels/cuda/dtype.cuh"

namespace llmc::kernels::cuda {

class Gemm {
 public:
  // workspace_bytes of device memory for cuBLASLt's split-K and the like; the Gemm owns it.
  static std::unique_ptr<Gemm> create(size_t workspace_bytes = size_t{32} << 20);
  virtual ~Gemm() = default;
  // x, w and bias in `in_type`; y in `out_type` (in_type, or float32 for logits). Throws naming the shape and
  // cuBLASLt's status when no algorithm fits.
  virtual void linear(const void* x, const void* w, const void* bias, void* y, int64_t rows, int64_t in, int64_t out,
                      DType in_type, DType out_type, cudaStream_t stream) = 0;
};

}  // namespace llmc::kernels::cuda
