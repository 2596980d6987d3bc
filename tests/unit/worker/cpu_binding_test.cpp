// CPU binding with hwloc: even shares for CPU ranks, and for GPU ranks the cores near the device, split among
// the ranks whose devices share that locality. Any PCI device hwloc can place stands in for a GPU here (the
// logic is the same; which PCI device it is does not matter). Nothing is actually bound (LLMC_NO_BIND=1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "runtime/worker/cpu_binding.h"

namespace llmc {
namespace {

// "0-3,8" -> {0, 1, 2, 3, 8}; the note after a space is ignored.
std::set<int> parse_cores(const std::string& text) {
  std::set<int> out;
  std::stringstream in(text.substr(0, text.find(' ')));
  for (std::string part; std::getline(in, part, ',');) {
    const size_t dash = part.find('-');
    const int a = std::stoi(part.substr(0, dash)), b = dash == std::string::npos ? a : std::stoi(part.substr(dash + 1));
    for (int c = a; c <= b; ++c) out.insert(c);
  }
  return out;
}

class CpuBindingTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("LLMC_NO_BIND", "1", 1); }
};

TEST_F(CpuBindingTest, LocalRanksSplitTheCoresEvenlyAndDisjointly) {
  const std::set<int> all = parse_cores(bind_to_local_share(0, 1).cores);
  ASSERT_FALSE(all.empty());
  for (int ranks : {2, 3}) {
    std::set<int> seen;
    for (int r = 0; r < ranks; ++r) {
      const std::set<int> mine = parse_cores(bind_to_local_share(r, ranks).cores);
      for (int c : mine) {
        EXPECT_TRUE(all.count(c)) << c;
        if (static_cast<int>(all.size()) >= ranks) {
          EXPECT_TRUE(seen.insert(c).second) << "core " << c << " twice";
        }
      }
    }
  }
}

TEST_F(CpuBindingTest, DeviceRanksTakeTheCoresNearTheirDevice) {
  const std::vector<std::string> devices = pci_devices_with_locality();
  if (devices.empty()) GTEST_SKIP() << "hwloc places no PCI device on this machine";
  const std::string device = devices.front();
  const CpuBinding alone = bind_near_device(0, 1, {device});
  EXPECT_NE(alone.cores.find("near the device"), std::string::npos) << alone.cores;
  const std::set<int> near = parse_cores(alone.cores);
  ASSERT_FALSE(near.empty());
  // Two ranks whose devices share the locality split it; a third device-less index wraps around.
  const std::set<int> a = parse_cores(bind_near_device(0, 2, {device, device}).cores);
  const std::set<int> b = parse_cores(bind_near_device(1, 2, {device, device}).cores);
  for (int c : a) EXPECT_TRUE(near.count(c));
  for (int c : b) EXPECT_TRUE(near.count(c));
  if (near.size() >= 2) {
    for (int c : a) EXPECT_FALSE(b.count(c)) << "core " << c << " given to both ranks";
    EXPECT_EQ(a.size() + b.size(), near.size());
  }
}

TEST_F(CpuBindingTest, AnUnknownDeviceFallsBackToTheEvenShareAndSaysSo) {
  const CpuBinding b = bind_near_device(0, 1, {"0000:ff:1f.7"});
  EXPECT_NE(b.cores.find("device locality unknown"), std::string::npos) << b.cores;
  EXPECT_EQ(parse_cores(b.cores), parse_cores(bind_to_local_share(0, 1).cores));
}

}  // namespace
}  // namespace llmc
