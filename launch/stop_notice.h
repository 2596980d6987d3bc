// The head's notice that the launcher is stopping the job, when the launcher's only immediate word is
// SIGCONT.
//
// Open MPI's mpirun (4.1, and PRRTE's prterun alike) cannot forward SIGTERM: ess_base_forward_signals refuses
// it. On SIGTERM or SIGINT it sends every rank SIGCONT at once, SIGTERM odls_base_sigkill_timeout seconds
// later (1 by default), and SIGKILL as long again after that; and it exits 1 whatever the ranks do. Slurm and
// systemd also send SIGCONT with their SIGTERM. So a SIGCONT that arrives while the process is running (not
// one that ends a stop: SIGSTOP, Ctrl-Z, Slurm's suspend) is taken as the launcher's stop, and the head
// drains at once instead of odls_base_sigkill_timeout seconds later. Who calls it: `serve` on the head rank.
#pragma once

#include <chrono>
#include <csignal>
#include <string>

namespace llmc {

class LauncherStopNotice {
 public:
  LauncherStopNotice();   // installs a SIGCONT handler (async-signal-safe: it sets a flag)
  ~LauncherStopNotice();  // restores the previous disposition
  LauncherStopNotice(const LauncherStopNotice&) = delete;
  LauncherStopNotice& operator=(const LauncherStopNotice&) = delete;

  // Call about every 100 ms from one thread. True when a SIGCONT arrived while the process was running.
  // A gap between calls longer than kStoppedGap means the process was stopped (or starved, which only
  // makes the notice be missed: the launcher's SIGTERM still drains).
  bool poll();

  static constexpr std::chrono::milliseconds kStoppedGap{500};

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_poll_;
  Clock::time_point resumed_at_;
  struct sigaction previous_ {};
};

// Under mpirun: a warning when its SIGKILL (2 x odls_base_sigkill_timeout after its SIGTERM, as the
// environment gives the parameter) comes before a drain of `shutdown_timeout` can end; empty otherwise.
std::string mpirun_kill_grace_warning(std::chrono::seconds shutdown_timeout);

}  // namespace llmc
