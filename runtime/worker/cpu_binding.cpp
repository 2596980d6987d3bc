#include "runtime/worker/cpu_binding.h"

#include <hwloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace llmc {
namespace {

// hwloc topology for one decision; with PCI devices when asked (they locate a GPU).
class Topology {
 public:
  explicit Topology(bool with_pci) {
    hwloc_topology_init(&topo_);
    if (with_pci) hwloc_topology_set_io_types_filter(topo_, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    hwloc_topology_load(topo_);
  }
  ~Topology() { hwloc_topology_destroy(topo_); }
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  hwloc_topology_t get() const { return topo_; }

 private:
  hwloc_topology_t topo_;
};

// Indices of the cores inside `set` (all cores when set is null), in order.
std::vector<int> cores_in(hwloc_topology_t topo, hwloc_const_cpuset_t set) {
  std::vector<int> out;
  const int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  for (int c = 0; c < n; ++c) {
    hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, c);
    if (core != nullptr && (set == nullptr || hwloc_bitmap_isincluded(core->cpuset, set))) out.push_back(c);
  }
  return out;
}

// The cpuset nearest a PCI device ("0000:1b:00.0"), or null when the topology does not know the device.
hwloc_const_cpuset_t locality_of(hwloc_topology_t topo, const std::string& bus_id) {
  hwloc_obj_t dev = hwloc_get_pcidev_by_busidstring(topo, bus_id.c_str());
  if (dev == nullptr) return nullptr;
  hwloc_obj_t near = hwloc_get_non_io_ancestor_obj(topo, dev);
  return near == nullptr ? nullptr : near->cpuset;
}

std::string describe(const std::vector<int>& cores) {
  if (cores.empty()) return "-";
  // Runs of consecutive cores: "0-3,8-11".
  std::string s;
  for (size_t i = 0; i < cores.size();) {
    size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(cores[i]);
    if (j > i) {
      s += '-';
      s += std::to_string(cores[j]);
    }
    i = j + 1;
  }
  return s;
}

// Binds the process to `cores` (unless LLMC_NO_BIND=1) and reports them.
CpuBinding bind_process(hwloc_topology_t topo, const std::vector<int>& cores, const std::string& note) {
  CpuBinding b;
  b.num_cores = std::max<int>(1, static_cast<int>(cores.size()));
  b.cores = describe(cores) + note;
  const char* no_bind = std::getenv("LLMC_NO_BIND");
  if (no_bind != nullptr && std::string(no_bind) == "1") {
    b.cores += " (unbound)";
    return b;
  }
  hwloc_bitmap_t set = hwloc_bitmap_alloc();
  for (int c : cores) {
    hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, c);
    if (core != nullptr) hwloc_bitmap_or(set, set, core->cpuset);
  }
  if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) != 0) {
    spdlog::warn("could not bind to cores {}: continuing unbound", b.cores);
    b.cores += " (unbound)";
  }
  hwloc_bitmap_free(set);
  return b;
}

// Share `index` of `parts` of `cores`; more parts than cores: part i shares core i % cores.
std::vector<int> share_of(const std::vector<int>& cores, int index, int parts) {
  if (cores.empty()) return {};
  if (parts <= 1) return cores;
  const int n = static_cast<int>(cores.size());
  if (parts >= n) return {cores[static_cast<size_t>(index % n)]};
  const int first = index * n / parts, last = (index + 1) * n / parts;
  return {cores.begin() + first, cores.begin() + last};
}

}  // namespace

CpuBinding bind_to_local_share(int local_rank, int local_size) {
  Topology topo(false);
  return bind_process(topo.get(), share_of(cores_in(topo.get(), nullptr), local_rank, local_size), "");
}

CpuBinding bind_near_device(int local_rank, int local_size, const std::vector<std::string>& device_bus_ids) {
  Topology topo(true);
  const int devices = static_cast<int>(device_bus_ids.size());
  if (devices == 0) return bind_to_local_share(local_rank, local_size);
  hwloc_const_cpuset_t mine = locality_of(topo.get(), device_bus_ids[static_cast<size_t>(local_rank % devices)]);
  if (mine == nullptr) {
    CpuBinding b = bind_process(topo.get(), share_of(cores_in(topo.get(), nullptr), local_rank, local_size), "");
    b.cores += " (device locality unknown)";
    return b;
  }
  // The local ranks whose devices share this locality split its cores, in rank order.
  int index = 0, sharing = 0;
  for (int r = 0; r < local_size; ++r) {
    hwloc_const_cpuset_t theirs = locality_of(topo.get(), device_bus_ids[static_cast<size_t>(r % devices)]);
    if (theirs == nullptr || !hwloc_bitmap_isequal(theirs, mine)) continue;
    if (r == local_rank) index = sharing;
    ++sharing;
  }
  return bind_process(topo.get(), share_of(cores_in(topo.get(), mine), index, sharing), " (near the device)");
}

std::vector<std::string> pci_devices_with_locality() {
  Topology topo(true);
  std::vector<std::string> out;
  for (hwloc_obj_t dev = hwloc_get_next_pcidev(topo.get(), nullptr); dev != nullptr;
       dev = hwloc_get_next_pcidev(topo.get(), dev)) {
    char id[32];
    std::snprintf(id, sizeof(id), "%04x:%02x:%02x.%01x", dev->attr->pcidev.domain, dev->attr->pcidev.bus,
                  dev->attr->pcidev.dev, dev->attr->pcidev.func);
    if (locality_of(topo.get(), id) != nullptr) out.emplace_back(id);
  }
  return out;
}

}  // namespace llmc
