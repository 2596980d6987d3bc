#include "engine/backend/cuda_graph_set.h"

#include "common/check.h"
#include "kernels/cuda/cuda_check.h"

namespace llmc {

CudaGraphSet::~CudaGraphSet() {
  for (cudaGraphExec_t e : execs_) cudaGraphExecDestroy(e);  // errors at teardown cannot be reported
}

void CudaGraphSet::begin(cudaStream_t stream) {
  LLMC_CHECK(!capturing_) << "cuda graphs: a capture is already in progress";
  LLMC_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  capturing_ = true;
}

int CudaGraphSet::end(cudaStream_t stream) {
  LLMC_CHECK(capturing_) << "cuda graphs: end_capture without begin_capture";
  capturing_ = false;
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  LLMC_CHECK(ended == cudaSuccess && graph != nullptr)
      << "cuda graphs: the capture was invalidated (" << cudaGetErrorString(ended)
      << "): an operation in the captured pass allocated, copied from the host or waited for the device";
  cudaGraphExec_t exec = nullptr;
  const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  LLMC_CHECK(made == cudaSuccess) << "cuda graphs: instantiating a captured pass failed: " << cudaGetErrorString(made);
  // Upload now, so what the graph needs on the device is taken (and counted) at startup, not at first replay.
  LLMC_CUDA_CHECK(cudaGraphUpload(exec, stream));
  execs_.push_back(exec);
  return static_cast<int>(execs_.size()) - 1;
}

void CudaGraphSet::replay(int graph, cudaStream_t stream) const {
  LLMC_CHECK(graph >= 0 && graph < static_cast<int>(execs_.size())) << "cuda graphs: no graph " << graph;
  LLMC_CUDA_CHECK(cudaGraphLaunch(execs_[static_cast<size_t>(graph)], stream));
}

}  // namespace llmc
