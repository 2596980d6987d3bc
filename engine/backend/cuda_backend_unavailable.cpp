// The CUDA entry points of a build without the CUDA toolkit: asking for the GPU is a clear error, not a
// missing symbol.
#include "common/check.h"
#include "engine/backend/cuda_backend.h"

namespace llmc {

bool cuda_backend_built() { return false; }

std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions&) {
  LLMC_CHECK(false) << "--device cuda: this llm-cluster was built without CUDA (configure with the CUDA toolkit "
                       "and NCCL installed, or -DLLMC_WITH_CUDA=ON to require them)";
  return nullptr;
}

}  // namespace llmc
