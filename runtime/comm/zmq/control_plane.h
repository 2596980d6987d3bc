// The ZeroMQ control plane between the head and the workers, authenticated and encrypted with CURVE.
//
// The head binds a PUB socket (plans, heartbeats, hello, shutdown) and a PULL socket (results, errors,
// heartbeats, ready), both CURVE servers. Its ZAP handler admits only the client keys the workers sent over
// MPI at startup, so nothing else on the network can inject plans or results; every refusal is logged with
// the peer's address. Workers connect a SUB and a PUSH socket as CURVE clients. PUB never drops a plan (no
// high-water mark), and every wait takes a deadline.
//
// Threads: HeadControl's publishing calls (publish_plan, send_heartbeat, shutdown) and poll() may run on
// different threads (separate sockets; publishing is serialised by a mutex). WorkerControl's send_* calls are
// serialised by a mutex, so a heartbeat thread may send while the main thread runs a step.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/comm/step_plan.h"
#include "runtime/comm/zmq/wire_format.h"

namespace llmc {

struct CurveKeys {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;
};
CurveKeys generate_curve_keys();

struct ControlMessage {
  MessageType type = MessageType::kHeartbeat;
  int32_t sender = 0;
  uint64_t seq = 0;
  StepPlan plan;      // kPlan
  StepResult result;  // kResult
  std::string error;  // kError
};

using ControlClock = std::chrono::steady_clock;

class HeadControl {
 public:
  // Binds both sockets on `ip` (free ports). Throws llmc::Error when it cannot.
  HeadControl(const std::string& ip, const CurveKeys& server_keys, std::set<std::string> allowed_client_keys);
  ~HeadControl();
  std::string plan_endpoint() const;
  std::string result_endpoint() const;

  // Publishes hello until every rank in `ranks` answered ready; throws naming the ranks that did not.
  void handshake(const std::vector<int>& ranks, ControlClock::time_point deadline);
  void publish_plan(const StepPlan& plan);
  void send_heartbeat();
  void shutdown();
  // The next message other than a heartbeat, or nullopt at the deadline. Malformed messages are logged,
  // counted and skipped.
  std::optional<ControlMessage> poll(ControlClock::time_point deadline);
  ControlClock::time_point last_heard(int rank) const;
  uint64_t rejected_connections() const;  // refused by the ZAP handler
  uint64_t malformed_messages() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WorkerControl {
 public:
  WorkerControl(int rank, const std::string& plan_endpoint, const std::string& result_endpoint,
                const std::string& server_public_key, const CurveKeys& own_keys);
  ~WorkerControl();
  // The next message from the head (plans, heartbeats, shutdown), or nullopt at the deadline. Hellos are
  // answered here. Throws on a malformed message or a plan out of sequence ("lost or reordered plan").
  std::optional<ControlMessage> next(ControlClock::time_point deadline);
  void send_result(const StepResult& result);
  void send_error(const std::string& text);
  void send_heartbeat();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmc
