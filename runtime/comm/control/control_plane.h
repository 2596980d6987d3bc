// The ZeroMQ control plane between the head and the workers, authenticated and encrypted with CURVE.
//
// Head: an XPUB socket (a PUB that reports back-pressure instead of dropping: plans, heartbeats, hello,
// shutdown) and a PULL socket (results, errors, heartbeats, ready), both CURVE servers bound on one IPv4
// address. A ZAP handler thread admits only the client public keys the head was given (the workers' keys,
// exchanged over MPI) and logs every refusal with the peer's address; handshakes that fail before ZAP is
// asked (no CURVE, wrong server key, garbage) are logged and counted too. Nothing unauthenticated can read
// a plan or deliver a message.
// Worker: SUB + PUSH CURVE clients with its own key pair, plus a second PUSH used only for heartbeats.
//
// Delivery: a plan is never dropped silently. The XPUB runs with ZMQ_XPUB_NODROP and a high-water mark of
// `plan_high_water_mark` messages per worker; when a worker falls that far behind, publish_plan waits up to
// `send_timeout` and then throws. Results wait up to `send_timeout` for the head, then throw.
// Nothing blocks without a deadline.
//
// Threads: HeadControl is used by one thread (the executor's I/O thread); stats(), last_heard() and wake()
// may be called from any thread. WorkerControl::next() belongs to one thread; send_result/send_error/send_heartbeat
// are thread-safe (a mutex per PUSH socket), so a heartbeat thread can beat while the main thread runs a step
// (heartbeats have their own socket, so they never queue behind a large result).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/comm/control/plan_codec.h"

namespace llmc {

using ControlClock = std::chrono::steady_clock;

struct CurveKeys {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; never leaves the rank that made it
};
// Throws llmc::Error when libzmq was built without CURVE.
CurveKeys generate_curve_keys();

// What poll()/next() return: a plan (worker side), a result or error (head side), or a signal.
using Incoming = WireMessage;
using ControlMessage = WireMessage;  // the name runtime/cluster uses

struct HeadControlOptions {
  int plan_port = 0;      // 0: a free port chosen by the system
  int result_port = 0;    // 0: a free port chosen by the system
  int32_t head_rank = 0;  // sender rank in the head's messages
  // Optional: each worker rank's public key. When given, a message is accepted only when the key that
  // authenticated its connection is its sender rank's (a worker cannot speak for another).
  std::map<int32_t, std::string> rank_keys;
  int plan_high_water_mark = 100000;  // messages queued per worker before publish_plan waits
  std::chrono::milliseconds send_timeout{10000};
  std::chrono::milliseconds handshake_interval{50};  // between hello messages
};

struct HeadControlStats {
  uint64_t rejected_connections = 0;  // refused by ZAP, or failed before it (no CURVE, wrong key, garbage)
  uint64_t malformed_messages = 0;    // authenticated but undecodable: dropped
  uint64_t unexpected_senders = 0;    // sender rank not expected, wrong key for its rank, or head-only type
  uint64_t heartbeats = 0;            // heartbeats received from workers
};

class HeadControl {
 public:
  // Binds both sockets on `ipv4` (e.g. "10.0.0.1"). Throws llmc::Error naming the address on failure.
  HeadControl(const std::string& ipv4, const CurveKeys& server_keys,
              std::set<std::string> allowed_client_keys, HeadControlOptions options = {});
  ~HeadControl();
  HeadControl(const HeadControl&) = delete;
  HeadControl& operator=(const HeadControl&) = delete;

  std::string plan_endpoint() const;    // "tcp://IP:PORT", what workers connect their SUB to
  std::string result_endpoint() const;  // what workers connect their PUSH to

  // Publishes hello every handshake_interval until each rank in `worker_ranks` answered ready (PUB/SUB
  // joins late: a plan published before a worker's subscription arrived would be lost to it). From then on
  // only these ranks are heard. Throws llmc::Error at the deadline naming the ranks that did not answer.
  void handshake(const std::vector<int32_t>& worker_ranks, ControlClock::time_point deadline);
  // Sequence number = plan.step_id. Throws when a worker stayed send_timeout behind (see above).
  void publish_plan(const StepPlan& plan);
  void send_heartbeat();  // never blocks: skipped when a worker is far behind (plans will not be)
  // Publishes kShutdown a few times (within ~50 ms) and lets the socket flush for up to 500 ms on close.
  void shutdown();
  // The next result or error from a worker, or nullopt at the deadline (granularity: 1 ms). Heartbeats
  // and ready answers are consumed here (they update last_heard); malformed messages and unexpected
  // senders are logged, counted and dropped.
  std::optional<Incoming> poll(ControlClock::time_point deadline);
  // Thread-safe: makes a poll() in progress, or the next one, return nullopt at once (the caller has new
  // plans to publish). Lets the I/O thread sleep until a result or a plan is there instead of polling.
  void wake();
  // When a message from `rank` last arrived; this object's creation time if none did yet.
  ControlClock::time_point last_heard(int32_t rank) const;
  HeadControlStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WorkerControlOptions {
  std::chrono::milliseconds send_timeout{10000};  // how long send_result/send_error wait for the head
};

class WorkerControl {
 public:
  // Connects to the head's endpoints ("tcp://IPv4:PORT") as a CURVE client. Throws on bad keys/endpoints;
  // the connection itself completes in the background.
  WorkerControl(int32_t rank, const std::string& plan_endpoint, const std::string& result_endpoint,
                const std::string& head_public_key, const CurveKeys& own_keys,
                WorkerControlOptions options = {});
  ~WorkerControl();
  WorkerControl(const WorkerControl&) = delete;
  WorkerControl& operator=(const WorkerControl&) = delete;

  // The next plan, heartbeat, hello (already answered with ready) or shutdown; nullopt at the deadline.
  // Throws llmc::Error on a malformed message or a plan out of sequence ("lost or reordered plan: expected
  // step N, got M"); the first plan seen (or a hello's next_step) sets where the sequence starts.
  std::optional<Incoming> next(ControlClock::time_point deadline);
  void send_result(const StepResult& result);
  void send_error(const std::string& text);
  // Never blocks; false when the heartbeat could not be queued (not connected yet, or the head is far
  // behind).
  bool send_heartbeat();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmc
