// The loop every worker rank runs after startup: receive a plan from the head, execute it on this rank's
// shard, and (on the sampling rank) send the result back; heartbeats both ways. It ends on the head's
// shutdown message, or with an error when the head falls silent or a plan breaks the protocol.
#pragma once

#include <chrono>
#include <string>

#include "runtime/comm/control/control_plane.h"
#include "runtime/worker/step_runner.h"

namespace llmc {

struct WorkerLoopOptions {
  bool reports_results = false;                    // this rank is the sampling rank
  std::chrono::seconds head_timeout{10};           // silence from the head longer than this is fatal
  // Before the head's first message the head may still be waiting for other ranks to connect: allow the
  // handshake's deadline, so a failed handshake is reported by the head (naming who did not connect).
  std::chrono::seconds first_contact_timeout{70};
  std::string head_endpoint;                       // for messages
  std::chrono::milliseconds heartbeat_interval{500};
};

// Returns when the head says shut down. Throws llmc::Error (after telling the head) on any failure.
void run_worker_loop(WorkerControl& control, StepRunner& runner, const WorkerLoopOptions& options);

}  // namespace llmc
