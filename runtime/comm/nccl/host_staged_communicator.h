// A Communicator for GPU tensors over a host (MPI) communicator: each operation copies the device tensor to
// pinned host memory after the compute stream's earlier work, runs the host operation, and copies the result
// back on the stream. What GPU ranks use where NCCL cannot run: several ranks on one GPU (NCCL refuses two
// ranks on one device), or a build or fabric without NCCL. Host tensors pass straight through.
#pragma once

#include <memory>

#include "engine/backend/communicator.h"

namespace llmc {

// Takes ownership of `host`; bind_stream() must be given the compute stream before the first device operation.
std::unique_ptr<Communicator> make_host_staged_communicator(std::unique_ptr<Communicator> host);

}  // namespace llmc
