// NCCL transport detection from its own log lines. The lines are in the format NCCL 2.2x prints with
// NCCL_DEBUG=INFO (P2P within a node, SHM when P2P is off, the IB and socket networks between nodes).
#include <gtest/gtest.h>

#include "runtime/comm/nccl/nccl_log.h"

namespace llmc {
namespace {

TEST(NcclLog, TransportsAreListedOnceEachInFirstSeenOrder) {
  const std::string log =
      "gpu1:4242:4250 [0] NCCL INFO Bootstrap: Using eth0:10.0.0.1<0>\n"
      "gpu1:4242:4250 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[1] via P2P/CUMEM/read\n"
      "gpu1:4242:4250 [0] NCCL INFO Channel 01/0 : 0[0] -> 1[1] via P2P/CUMEM/read\n"
      "gpu1:4242:4250 [0] NCCL INFO Channel 00/0 : 1[1] -> 2[0] [send] via NET/IB/0(1)/GDRDMA\n"
      "gpu1:4242:4250 [0] NCCL INFO Channel 00/0 : 3[1] -> 0[0] [receive] via NET/IB/0/GDRDMA\n"
      "gpu1:4242:4250 [0] NCCL INFO Channel 02 : 0[0] -> 1[1] via SHM/direct/direct\n"
      "gpu1:4242:4250 [0] NCCL INFO Connected all rings\n";
  EXPECT_EQ(nccl_transports_from_log(log), (std::vector<std::string>{"P2P/CUMEM", "NET/IB", "SHM/direct"}));
  EXPECT_FALSE(nccl_uses_socket_fallback(nccl_transports_from_log(log)));
}

TEST(NcclLog, TheSocketNetworkIsTheTcpFallback) {
  const std::string log = "n2:1:2 [1] NCCL INFO Channel 00/0 : 2[0] -> 3[1] [send] via NET/Socket/0\n";
  EXPECT_EQ(nccl_transports_from_log(log), (std::vector<std::string>{"NET/Socket"}));
  EXPECT_TRUE(nccl_uses_socket_fallback(nccl_transports_from_log(log)));
}

TEST(NcclLog, OtherLinesAndAnEmptyLogGiveNothing) {
  EXPECT_TRUE(nccl_transports_from_log("").empty());
  EXPECT_TRUE(nccl_transports_from_log("x NCCL INFO comm 0x1 rank 0 nranks 1 - Init COMPLETE\n"
                                       "via P2P/IPC outside a channel line\n")
                  .empty());
}

}  // namespace
}  // namespace llmc
