// Which transports NCCL connected its channels with, read from its own log (NCCL_DEBUG=INFO): NCCL has no API
// for it. `llm-cluster doctor` points NCCL_DEBUG_FILE at a file per process and parses it after the links were
// exercised (NCCL connects channels lazily, at their first use).
#pragma once

#include <string>
#include <vector>

namespace llmc {

// Distinct transports of the "Channel NN/M : a[da] -> b[db] ... via TRANSPORT/..." lines, in first-seen order,
// each as its first two components: "P2P/CUMEM", "P2P/IPC", "SHM/direct", "NET/Socket", "NET/IB", "COLLNET/...".
std::vector<std::string> nccl_transports_from_log(const std::string& log);

// True when the transports include NCCL's TCP socket network: between nodes that means no InfiniBand/RoCE
// (GPUDirect RDMA) was usable, the slow fallback a user should hear about.
bool nccl_uses_socket_fallback(const std::vector<std::string>& transports);

}  // namespace llmc
