// The element types the CUDA kernels take for activations, weights and the KV cache. Kernels know nothing of
// the engine's Tensor: they take raw device pointers, sizes, this tag and a stream (FlashInfer style), so the
// backend above them is the only place that maps engine types to kernel types. Accumulation is always float32.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace llmc::kernels::cuda {

enum class DType { kF32, kBF16, kF16 };

inline int dtype_size(DType t) { return t == DType::kF32 ? 4 : 2; }

}  // namespace llmc::kernels::cuda
