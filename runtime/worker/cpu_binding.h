// Binds a worker process to its share of the node's cores (hwloc), so ranks on one node do not fight over
// cores and each rank's compute threads stay on its own. CPU ranks: an even split by local rank. GPU ranks: the
// cores nearest their GPU (its NUMA node / package, from hwloc's PCI topology), split among the local ranks
// whose GPUs sit there, so host-side work and copies stay on the GPU's memory controller.
#pragma once

#include <string>
#include <vector>

namespace llmc {

struct CpuBinding {
  std::string cores;  // "0-3" (logical core indices), for the startup table
  int num_cores = 1;  // compute threads to use
};

// local_rank of local_size ranks on this node. More ranks than cores: rank r shares core r % cores.
// LLMC_NO_BIND=1 leaves the process unbound (reports every core).
CpuBinding bind_to_local_share(int local_rank, int local_size);

// GPU ranks: local rank r uses device r % devices; device_bus_ids are every local device's PCI bus id
// ("0000:1b:00.0", as cudaDeviceGetPCIBusId gives it). Falls back to the even split, saying so in `cores`,
// when hwloc does not know the device.
CpuBinding bind_near_device(int local_rank, int local_size, const std::vector<std::string>& device_bus_ids);

// PCI devices hwloc can place near some cores (bus ids): lets tests exercise bind_near_device on any machine.
std::vector<std::string> pci_devices_with_locality();

}  // namespace llmc
