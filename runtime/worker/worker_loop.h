// The loop every worker rank runs after startup: receive a plan from the head, execute it on this rank's
// shard, and (on the sampling rank) send the result back; heartbeats both ways. It ends on the head's
// shutdown message, or with an error when the head falls silent or a plan breaks the protocol.
#pragma once

#include <chrono>

#include "runtime/comm/zmq/control_plane.h"
#include "runtime/worker/step_runner.h"

namespace llmc {

struct WorkerLoopOptions {
  bool reports_results = false;                    // this rank is the sampling rank
  std::chrono::seconds head_timeout{10};           // silence from the head longer than this is fatal
  std::chrono::milliseconds heartbeat_interval{500};
};

// Returns when the head says shut down. Throws llmc::Error (after telling the head) on any failure.
void run_worker_loop(WorkerControl& control, StepRunner& runner, const WorkerLoopOptions& options);

}  // namespace llmc
