// `llm-cluster doctor`: measures every link a job with this layout will use, before it is trusted with a
// model: the all-reduce of each tensor-parallel group and the send/recv between consecutive pipeline stages.
// Collective over the world (the dedicated head measures nothing but collects the table).
#pragma once

#include <string>
#include <vector>

#include "engine/backend/communicator.h"
#include "runtime/comm/parallel_config.h"

namespace llmc {

struct LinkMeasurement {
  std::string link;         // "tp group of stage 0 (ranks 0,1)" / "stage 0 -> 1 (tp rank 0)"
  std::string transport;    // "MPI" (CPU); NCCL reports its transport
  size_t bytes = 0;
  double latency_us = 0.0;  // mean time of one operation at this size
  double bandwidth_gbps = 0.0;  // GB/s: algorithm bandwidth (bytes / time)
};

// Runs the measurements on this rank's groups (tp, pp may be null for groups of one) and returns this rank's
// rows (only the tp rank 0 of a group and the sending side of a pipeline link report).
std::vector<LinkMeasurement> measure_links(const ParallelConfig& parallel, Communicator* tp, Communicator* pp);

std::string format_link_table(const std::vector<LinkMeasurement>& rows);
std::string links_to_json(const std::vector<LinkMeasurement>& rows);
std::vector<LinkMeasurement> links_from_json(const std::string& text);

}  // namespace llmc
