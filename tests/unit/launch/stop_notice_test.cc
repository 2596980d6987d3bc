// LauncherStopNotice: a SIGCONT while running is a stop notice; one that ends a stop (a gap in the polling,
// as a SIGSTOP leaves) is not; and the warning about mpirun's kill grace, from the environment mpirun sets.
#include "launch/stop_notice.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace llmc {
namespace {

using namespace std::chrono_literals;

TEST(LauncherStopNotice, SigcontWhileRunningIsANotice) {
  LauncherStopNotice notice;
  EXPECT_FALSE(notice.poll());
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(notice.poll());  // nothing arrived
  ASSERT_EQ(raise(SIGCONT), 0);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(notice.poll());
  EXPECT_FALSE(notice.poll());  // once
}

TEST(LauncherStopNotice, TheSigcontThatEndsAStopIsNot) {
  LauncherStopNotice notice;
  EXPECT_FALSE(notice.poll());
  // A stop as the clock sees it: no poll for longer than kStoppedGap, then the SIGCONT that resumed us, seen
  // on the first poll after it or one a little later.
  std::this_thread::sleep_for(LauncherStopNotice::kStoppedGap + 200ms);
  ASSERT_EQ(raise(SIGCONT), 0);
  EXPECT_FALSE(notice.poll());
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(notice.poll());
  std::this_thread::sleep_for(LauncherStopNotice::kStoppedGap + 200ms);
  EXPECT_FALSE(notice.poll());  // the gap alone is no notice
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(notice.poll());
  ASSERT_EQ(raise(SIGCONT), 0);
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(notice.poll());  // within a second of the last resume: still taken as that one
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(100ms);
    notice.poll();
  }
  ASSERT_EQ(raise(SIGCONT), 0);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(notice.poll());  // long after any stop: a notice
}

TEST(LauncherStopNotice, ARealStopAndContinueIsNotANotice) {
  // A child process polls every 50 ms; the parent stops it for a second and continues it.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    LauncherStopNotice notice;
    bool noticed = false;
    for (int i = 0; i < 50; ++i) {  // 2.5 s
      noticed |= notice.poll();
      std::this_thread::sleep_for(50ms);
    }
    const char verdict = noticed ? 'y' : 'n';
    (void)!write(pipe_fds[1], &verdict, 1);
    _exit(0);
  }
  std::this_thread::sleep_for(300ms);
  kill(child, SIGSTOP);
  std::this_thread::sleep_for(1s);
  kill(child, SIGCONT);
  char verdict = '?';
  ASSERT_EQ(read(pipe_fds[0], &verdict, 1), 1);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(verdict, 'n') << "the SIGCONT that ended a SIGSTOP was taken as a stop notice";
}

TEST(MpirunKillGrace, WarnsOnlyUnderMpirunWhenTheGraceIsShorterThanTheDrain) {
  ::unsetenv("OMPI_MCA_orte_hnp_uri");
  ::unsetenv("OMPI_MCA_odls_base_sigkill_timeout");
  EXPECT_EQ(mpirun_kill_grace_warning(30s), "");  // not under mpirun
  ::setenv("OMPI_MCA_orte_hnp_uri", "123.0;tcp://127.0.0.1:1", 1);
  const std::string warning = mpirun_kill_grace_warning(30s);
  EXPECT_NE(warning.find("2 s later"), std::string::npos) << warning;  // the default grace of 1 s
  EXPECT_NE(warning.find("odls_base_sigkill_timeout 18"), std::string::npos) << warning;
  ::setenv("OMPI_MCA_odls_base_sigkill_timeout", "18", 1);
  EXPECT_EQ(mpirun_kill_grace_warning(30s), "");
  EXPECT_NE(mpirun_kill_grace_warning(60s), "");
  ::unsetenv("OMPI_MCA_orte_hnp_uri");
  ::unsetenv("OMPI_MCA_odls_base_sigkill_timeout");
}

}  // namespace
}  // namespace llmc
