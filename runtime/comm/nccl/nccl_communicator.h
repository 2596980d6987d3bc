// The engine's Communicator over NCCL, for CUDA tensors: what tensor- and pipeline-parallel GPU runs use
// (the CPU backend uses runtime/comm/mpi_communicator.h). CUDA and NCCL stay out of this header.
//
// Made collectively over the ranks of an MPI group with the same members (from split_parallel_groups): the
// group's rank 0 makes the NCCL unique id and sends it to the others through that group. Initialisation is
// non-blocking with a deadline, and every operation waits for its stream with a deadline, so a peer that never
// joins or stops answering is an error naming the group, never a hang (the NCCL communicator is aborted).
//
// Operations run on the communicator's own stream and complete before they return (the CUDA backend will pass
// its stream instead). Built without CUDA/NCCL (no CUDA toolkit at configure time), make_nccl_communicator throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend/communicator.h"
#include "engine/backend/tensor.h"

namespace llmc {

struct NcclOptions {
  int device = 0;                                // CUDA device of this rank
  std::string group_name = "group";              // for messages: "tensor-parallel group of stage 0"
  std::chrono::seconds init_timeout{120};        // ncclCommInitRank across the group
  std::chrono::seconds op_timeout{300};          // one collective or send/recv
};

// Collective over the members of `bootstrap` (group ranks and size are its ranks and size).
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& bootstrap, const NcclOptions& options);

// Whether this build has the NCCL communicator; CUDA devices visible to this process (0 without a driver).
bool nccl_built();
int cuda_device_count();
std::string cuda_device_name(int device);
std::string cuda_pci_bus_id(int device);  // "0000:1b:00.0", for binding a rank to the cores near its GPU
std::string nccl_version();  // "2.28.3"; "" when not built

// Device memory until the CUDA backend owns it: doctor's link buffers and the GPU tests.
Tensor make_cuda_tensor(ScalarType type, std::vector<int64_t> shape, int device);
void copy_to_device(const void* host, Tensor& device_tensor);
void copy_to_host(const Tensor& device_tensor, void* host);

}  // namespace llmc
