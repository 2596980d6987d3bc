// Error checks for CUDA runtime and cuBLAS(Lt) calls (NCCL's CUDACHECK habit): every call that can fail goes
// through one of these macros, which throw llmc::Error naming the call, file:line and the library's own words.
// Kernels never synchronize, so a launch is checked with cudaGetLastError (configuration errors: too many
// threads or too much shared memory); faults inside a kernel surface at the caller's next synchronizing call.
#pragma once

#include <cuda_runtime_api.h>

#include "common/check.h"

#define LLMC_CUDA_CHECK(expr)                                                                                \
  do {                                                                                                       \
    const cudaError_t llmc_cuda_status_ = (expr);                                                            \
    if (llmc_cuda_status_ != cudaSuccess) {                                                                  \
      LLMC_FAIL() << #expr << " failed at " << __FILE__ << ":" << __LINE__ << ": "                         \
                  << cudaGetErrorString(llmc_cuda_status_);                                                  \
    }                                                                                                        \
  } while (0)

// After a <<<...>>> launch: `LLMC_CUDA_CHECK_LAUNCH("rms_norm");`.
#define LLMC_CUDA_CHECK_LAUNCH(kernel_name)                                                                  \
  do {                                                                                                       \
    const cudaError_t llmc_cuda_status_ = cudaGetLastError();                                                \
    if (llmc_cuda_status_ != cudaSuccess) {                                                                  \
      LLMC_FAIL() << "launching CUDA kernel " << (kernel_name) << " failed at " << __FILE__ << ":" << __LINE__ \
                  << ": " << cudaGetErrorString(llmc_cuda_status_);                                          \
    }                                                                                                        \
  } while (0)

// For cublasLt* calls; the including file includes <cublasLt.h>.
#define LLMC_CUBLAS_CHECK(expr)                                                                              \
  do {                                                                                                       \
    const cublasStatus_t llmc_cublas_status_ = (expr);                                                       \
    if (llmc_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                                      \
      LLMC_FAIL() << #expr << " failed at " << __FILE__ << ":" << __LINE__ << ": "                         \
                  << cublasLtGetStatusString(llmc_cublas_status_);                                           \
    }                                                                                                        \
  } while (0)
