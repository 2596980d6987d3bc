// `llm-cluster doctor`: measures every link a job with this layout will use, before it is trusted with a
// model: the all-reduce of each tensor-parallel group and the send/recv between consecutive pipeline stages.
// Collective over the world (the dedicated head measures nothing but collects the table).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/backend/communicator.h"
#include "runtime/comm/parallel_config.h"

namespace llmc {

struct LinkMeasurement {
  std::string link;         // "tp group of stage 0 (ranks 0,1)" / "stage 0 -> 1 (tp rank 0)"
  std::string transport;    // "MPI" (CPU); "NCCL P2P/CUMEM", "NCCL NET/IB", ... (GPU)
  size_t bytes = 0;
  double latency_us = 0.0;  // mean time of one operation at this size
  double bandwidth_gbps = 0.0;  // GB/s: algorithm bandwidth (bytes / time)
};

// Where the measured buffers live: host memory for MPI (the default), device memory for NCCL.
using LinkBufferFactory = std::function<Tensor(size_t bytes)>;
Tensor host_link_buffer(size_t bytes);

// Runs the measurements on this rank's groups (tp, pp may be null for groups of one) and returns this rank's
// rows (only the tp rank 0 of a group and the sending side of a pipeline link report). `transport` names the
// communicator in the rows ("MPI", "NCCL"); the caller may refine it once the links were used.
std::vector<LinkMeasurement> measure_links(const ParallelConfig& parallel, Communicator* tp, Communicator* pp,
                                           const std::string& transport = "MPI",
                                           const LinkBufferFactory& make_buffer = host_link_buffer);

std::string format_link_table(const std::vector<LinkMeasurement>& rows);
std::string links_to_json(const std::vector<LinkMeasurement>& rows);
std::vector<LinkMeasurement> links_from_json(const std::string& text);

}  // namespace llmc
