// The NCCL communicator on real GPUs, one rank per GPU, run through mpiexec at the world size ctest gives it.
// Every result is checked against values computed here on the host. Skips (exit 77) where there are fewer
// GPUs than ranks or no NCCL build; NCCL refuses two ranks on one GPU.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <numeric>
#include <vector>

#include "common/check.h"
#include "runtime/comm/mpi_communicator.h"
#include "runtime/comm/nccl/nccl_communicator.h"

namespace llmc {
namespace {

int world_rank = 0, world_size = 1;

struct Group {
  std::unique_ptr<Communicator> mpi;
  std::unique_ptr<Communicator> nccl;
};

Group world_group() {
  Group g;
  g.mpi = split_world_communicator(0, world_rank);
  NcclOptions o;
  o.device = world_rank;  // one GPU per rank (the test only runs where there are enough)
  o.group_name = "test world";
  o.init_timeout = std::chrono::seconds(60);
  o.op_timeout = std::chrono::seconds(60);
  g.nccl = make_nccl_communicator(*g.mpi, o);
  return g;
}

// Awkward sizes, as FlashInfer's tests sweep them.
constexpr int64_t kSizes[] = {1, 19, 989, 1 << 20};

TEST(NcclCommunicator, AllReduceSumsEveryRanksValues) {
  Group g = world_group();
  ASSERT_EQ(g.nccl->size(), world_size);
  for (int64_t n : kSizes) {
    std::vector<float> mine(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) mine[i] = static_cast<float>((i % 101) * (world_rank + 1));
    Tensor t = make_cuda_tensor(ScalarType::kF32, {n}, world_rank);
    copy_to_device(mine.data(), t);
    g.nccl->all_reduce_sum(t);
    std::vector<float> got(static_cast<size_t>(n));
    copy_to_host(t, got.data());
    const float factor = static_cast<float>(world_size * (world_size + 1) / 2);  // sum of (rank + 1)
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], static_cast<float>(i % 101) * factor) << "n " << n << ", i " << i;
  }
}

TEST(NcclCommunicator, AllGatherConcatenatesInRankOrder) {
  Group g = world_group();
  for (int64_t n : kSizes) {
    std::vector<float> mine(static_cast<size_t>(n), static_cast<float>(world_rank) + 0.5f);
    Tensor in = make_cuda_tensor(ScalarType::kF32, {n}, world_rank);
    Tensor out = make_cuda_tensor(ScalarType::kF32, {n * world_size}, world_rank);
    copy_to_device(mine.data(), in);
    g.nccl->all_gather(in, out);
    std::vector<float> got(static_cast<size_t>(n * world_size));
    copy_to_host(out, got.data());
    for (int r = 0; r < world_size; ++r) {
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(got[r * n + i], static_cast<float>(r) + 0.5f) << "rank " << r;
    }
  }
}

TEST(NcclCommunicator, SendRecvPassesATensorAlongTheRanks) {
  if (world_size < 2) GTEST_SKIP() << "send/recv needs two GPUs";
  Group g = world_group();
  const int64_t n = 4099;
  Tensor t = make_cuda_tensor(ScalarType::kF32, {n}, world_rank);
  std::vector<float> host(static_cast<size_t>(n));
  if (world_rank == 0) {
    std::iota(host.begin(), host.end(), 1.0f);
    copy_to_device(host.data(), t);
    g.nccl->send(t, 1);
  } else if (world_rank == 1) {
    g.nccl->recv(t, 0);
    copy_to_host(t, host.data());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(host[i], static_cast<float>(i + 1));
  }
}

TEST(NcclCommunicator, MisuseIsAClearError) {
  Group g = world_group();
  std::vector<float> host(8, 1.0f);
  Tensor cpu(std::shared_ptr<std::byte>(reinterpret_cast<std::byte*>(host.data()), [](std::byte*) {}), 0,
             ScalarType::kF32, {8}, DeviceKind::kCpu);
  try {
    g.nccl->all_reduce_sum(cpu);
    FAIL() << "a CPU tensor was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("takes CUDA tensors"), std::string::npos) << e.what();
  }
  Tensor t = make_cuda_tensor(ScalarType::kF32, {8}, world_rank);
  EXPECT_THROW(g.nccl->send(t, world_rank), Error) << "send to itself";
  EXPECT_THROW(g.nccl->send(t, world_size), Error) << "send outside the group";
}

}  // namespace
}  // namespace llmc

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &llmc::world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &llmc::world_size);
  const int gpus = llmc::cuda_device_count();
  // Every rank reaches the same verdict, so nobody waits in a collective for a rank that skipped.
  if (!llmc::nccl_built() || gpus < llmc::world_size) {
    if (llmc::world_rank == 0) {
      std::printf("SKIP: %s (%d GPU(s) for %d rank(s))\n", llmc::nccl_built() ? "not enough GPUs" : "built without NCCL",
                  gpus, llmc::world_size);
    }
    MPI_Finalize();
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  if (llmc::world_rank != 0) {  // one rank prints the results; every rank's verdict counts below
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
