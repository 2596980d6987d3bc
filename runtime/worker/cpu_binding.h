// Binds a worker process to its share of the node's cores (hwloc), so ranks on one node do not fight over
// cores and each rank's compute threads stay on its own. With a CUDA device the share will be the cores
// nearest the device; on CPU ranks it is an even split by local rank.
#pragma once

#include <string>

namespace llmc {

struct CpuBinding {
  std::string cores;  // "0-3" (logical core indices), for the startup table
  int num_cores = 1;  // compute threads to use
};

// local_rank of local_size ranks on this node. More ranks than cores: rank r shares core r % cores.
// LLMC_NO_BIND=1 leaves the process unbound (reports every core).
CpuBinding bind_to_local_share(int local_rank, int local_size);

}  // namespace llmc
