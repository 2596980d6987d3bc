// nccl_communicator.h in a build without the CUDA toolkit or NCCL: everything that needs a GPU says so.
#include "common/check.h"
#include "runtime/comm/nccl/host_staged_communicator.h"
#include "runtime/comm/nccl/nccl_communicator.h"

namespace llmc {
namespace {

[[noreturn]] void not_built(const char* what) {
  throw Error(std::string(what) + ": this llm-cluster was built without CUDA/NCCL (configure on a machine with "
              "the CUDA toolkit and NCCL, or with -DLLMC_WITH_CUDA=ON to make their absence an error)");
}

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator&, const NcclOptions&) {
  not_built("the NCCL communicator");
}
// Without CUDA there are no device tensors to stage: the host communicator serves as it is.
std::unique_ptr<Communicator> make_host_staged_communicator(std::unique_ptr<Communicator> host) { return host; }
bool nccl_built() { return false; }
int cuda_device_count() { return 0; }
std::string cuda_device_name(int) { not_built("cuda_device_name"); }
std::string cuda_pci_bus_id(int) { not_built("cuda_pci_bus_id"); }
std::string nccl_version() { return ""; }
Tensor make_cuda_tensor(ScalarType, std::vector<int64_t>, int) { not_built("make_cuda_tensor"); }
void copy_to_device(const void*, Tensor&) { not_built("copy_to_device"); }
void copy_to_host(const Tensor&, void*) { not_built("copy_to_host"); }

}  // namespace llmc
