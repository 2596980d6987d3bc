// Communicator (engine/backend/communicator.h) over MPI, for CPU tensors: what tensor- and pipeline-parallel
// CPU runs use, and what CI tests. Made by splitting MPI_COMM_WORLD, so every rank of the world must call
// split_world_communicator in the same order (a rank outside every group passes color -1 and gets null).
#pragma once

#include <memory>

#include "engine/backend/communicator.h"
#include "runtime/comm/parallel_config.h"

namespace llmc {

std::unique_ptr<Communicator> split_world_communicator(int color, int key);

// This rank's tensor-parallel group (its stage's ranks) and pipeline group (the ranks of its tensor rank across
// stages); both null on a dedicated head. Collective over the world.
struct ParallelGroups {
  std::unique_ptr<Communicator> tp;
  std::unique_ptr<Communicator> pp;
};
ParallelGroups split_parallel_groups(const ParallelConfig& parallel);

}  // namespace llmc
