// The CUDA backend's factory and the device queries the launcher needs. This header has no CUDA types, so
// code that only chooses a device compiles and links in a build without the CUDA toolkit (the factory then
// throws a one-line error saying the build has no CUDA).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/backend/backend.h"

namespace llmc {

struct CudaBackendOptions {
  int device = 0;                              // CUDA device index (after CUDA_VISIBLE_DEVICES)
  ScalarType activation_type = ScalarType::kBF16;  // bf16, f16, or f32 (for exactness checks)
};

// True when this binary was built with the CUDA backend.
bool cuda_backend_built();
// Throws llmc::Error (no CUDA build, no such device, device init failure).
std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions& options);

}  // namespace llmc
