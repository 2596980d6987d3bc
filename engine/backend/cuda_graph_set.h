// The CUDA backend's recorded graphs: capture on the compute stream, instantiate, replay by handle. Kept apart
// from the backend so its error paths (a capture that something illegal invalidated) are in one place.
#pragma once

#include <cuda_runtime_api.h>

#include <vector>

namespace llmc {

class CudaGraphSet {
 public:
  CudaGraphSet() = default;
  CudaGraphSet(const CudaGraphSet&) = delete;
  CudaGraphSet& operator=(const CudaGraphSet&) = delete;
  ~CudaGraphSet();

  // Thread-local capture mode: a CUDA call on another thread (another rank's worker in the same process)
  // neither joins nor breaks this capture.
  void begin(cudaStream_t stream);
  int end(cudaStream_t stream);  // instantiates; returns the handle
  void replay(int graph, cudaStream_t stream) const;
  bool capturing() const { return capturing_; }

 private:
  std::vector<cudaGraphExec_t> execs_;
  bool capturing_ = false;
};

}  // namespace llmc
