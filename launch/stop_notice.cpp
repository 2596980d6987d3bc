#include "launch/stop_notice.h"

#include <atomic>
#include <cstdlib>

namespace llmc {
namespace {

std::atomic<bool> g_continued{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the SIGCONT handler needs a lock-free flag");

void on_sigcont(int) { g_continued.store(true); }

}  // namespace

LauncherStopNotice::LauncherStopNotice() : last_poll_(Clock::now()), resumed_at_(Clock::time_point::min()) {
  g_continued.store(false);
  struct sigaction action {};
  action.sa_handler = on_sigcont;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGCONT, &action, &previous_);
}

LauncherStopNotice::~LauncherStopNotice() { sigaction(SIGCONT, &previous_, nullptr); }

bool LauncherStopNotice::poll() {
  const Clock::time_point now = Clock::now();
  // The monotonic clock runs on while the process is stopped, so a stop shows as a long gap. The SIGCONT
  // that ended it may be seen on this call or the next few: any within a second of the resume is that one.
  if (now - last_poll_ > kStoppedGap) resumed_at_ = now;
  last_poll_ = now;
  if (!g_continued.exchange(false)) return false;
  return resumed_at_ == Clock::time_point::min() || now - resumed_at_ > std::chrono::seconds(1);
}

std::string mpirun_kill_grace_warning(std::chrono::seconds shutdown_timeout) {
  if (std::getenv("OMPI_MCA_orte_hnp_uri") == nullptr) return "";  // not started by mpirun
  const char* value = std::getenv("OMPI_MCA_odls_base_sigkill_timeout");
  const long grace = value != nullptr ? std::strtol(value, nullptr, 10) : 1;
  // The drain (shutdown_timeout, then 2 s for the aborted requests' last words) and the workers' shutdown.
  const long needed = static_cast<long>(shutdown_timeout.count()) + 5;
  if (2 * grace >= needed) return "";
  return "under mpirun, SIGTERM to mpirun SIGKILLs every rank " + std::to_string(2 * grace) +
         " s later (2 x odls_base_sigkill_timeout), before a drain of --shutdown-timeout " +
         std::to_string(shutdown_timeout.count()) +
         " s can end: start mpirun with --mca odls_base_sigkill_timeout " + std::to_string((needed + 1) / 2) +
         " (unless an MCA parameter file sets it), or stop the job with SIGUSR1 "
         "to mpirun (docs/reliability.md)";
}

}  // namespace llmc
