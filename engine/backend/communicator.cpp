#include "engine/backend/communicator.h"

#include <cstring>

#include "common/check.h"

namespace llmc {

void SingleRankCommunicator::all_gather(const Tensor& in, Tensor& out) {
  LLMC_CHECK(in.nbytes() == out.nbytes()) << "all_gather: " << in.describe() << " into " << out.describe();
  if (in.raw() == out.raw()) return;
  // Host memory only: a device tensor would need the backend's copy, and the model never gathers in a group of
  // one (it uses its local tensor as it is).
  LLMC_CHECK(in.device() == DeviceKind::kCpu && out.device() == DeviceKind::kCpu)
      << "all_gather in a group of one on device tensors " << in.describe() << ": use the tensor itself";
  std::memcpy(out.raw(), in.raw(), in.nbytes());
}

void SingleRankCommunicator::send(const Tensor&, int peer) {
  LLMC_FAIL() << "send to rank " << peer << " in a group of one";
}

void SingleRankCommunicator::recv(Tensor&, int peer) {
  LLMC_FAIL() << "recv from rank " << peer << " in a group of one";
}

}  // namespace llmc
