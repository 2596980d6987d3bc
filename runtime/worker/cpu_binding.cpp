#include "runtime/worker/cpu_binding.h"

#include <hwloc.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace llmc {

CpuBinding bind_to_local_share(int local_rank, int local_size) {
  hwloc_topology_t topo;
  hwloc_topology_init(&topo);
  hwloc_topology_load(topo);
  const int cores = std::max(1, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE));
  int first = 0, count = cores;
  if (local_size > 1) {
    if (local_size >= cores) {
      first = local_rank % cores;
      count = 1;
    } else {
      first = local_rank * cores / local_size;
      count = (local_rank + 1) * cores / local_size - first;
    }
  }
  CpuBinding b;
  b.num_cores = count;
  b.cores = count == 1 ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(first + count - 1);
  const char* no_bind = std::getenv("LLMC_NO_BIND");
  if (no_bind == nullptr || std::string(no_bind) != "1") {
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    for (int c = first; c < first + count; ++c) {
      hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, c);
      if (core != nullptr) hwloc_bitmap_or(set, set, core->cpuset);
    }
    if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) != 0) {
      spdlog::warn("could not bind to cores {}: continuing unbound", b.cores);
      b.cores += " (unbound)";
    }
    hwloc_bitmap_free(set);
  } else {
    b.cores += " (unbound)";
  }
  hwloc_topology_destroy(topo);
  return b;
}

}  // namespace llmc
