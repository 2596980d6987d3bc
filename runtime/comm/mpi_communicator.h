// Communicator (engine/backend/communicator.h) over MPI, for CPU tensors: what tensor- and pipeline-parallel
// CPU runs use, and what CI tests. Made by splitting MPI_COMM_WORLD, so every rank of the world must call
// split_world_communicator in the same order (a rank outside every group passes color -1 and gets null).
#pragma once

#include <memory>

#include "engine/backend/communicator.h"

namespace llmc {

std::unique_ptr<Communicator> split_world_communicator(int color, int key);

}  // namespace llmc
