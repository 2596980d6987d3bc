#include "runtime/comm/mpi_communicator.h"

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/safetensors/dtype.h"

#include "common/check.h"

namespace llmc {
namespace {

void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  LLMC_FAIL() << what << " failed: " << std::string(text, len);
}

// Tensors are contiguous host memory (the CPU backend's, or a GPU tensor staged by the host-staged wrapper);
// pipeline messages use one tag so they match in send order.
constexpr int kPipelineTag = 101;

// 16-bit floats have no MPI type: the reduction widens them to f32, sums, and rounds back (what NCCL does
// for bf16 inside its kernels too).
float widen(ScalarType t, uint16_t v) {
  if (t == ScalarType::kBF16) return bf16_to_f32(v);
  return f16_to_f32(v);
}

uint16_t narrow(ScalarType t, float f) {
  if (t == ScalarType::kBF16) return f32_to_bf16(f);
  return f32_to_f16(f);
}

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm comm) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(Tensor& t) override {
    expect_host(t, "all_reduce_sum");
    if (size_ == 1) return;
    if (t.type() == ScalarType::kF32) {
      check_mpi(MPI_Allreduce(MPI_IN_PLACE, t.raw(), count(t.numel()), MPI_FLOAT, MPI_SUM, comm_),
                "MPI_Allreduce (tensor-parallel group)");
      return;
    }
    LLMC_CHECK(t.type() == ScalarType::kBF16 || t.type() == ScalarType::kF16)
        << "MPI all_reduce_sum takes f32, bf16 or f16 tensors, got " << t.describe();
    widened_.resize(static_cast<size_t>(t.numel()));
    const uint16_t* bits = t.data<uint16_t>();
    for (size_t i = 0; i < widened_.size(); ++i) widened_[i] = widen(t.type(), bits[i]);
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, widened_.data(), count(t.numel()), MPI_FLOAT, MPI_SUM, comm_),
              "MPI_Allreduce (tensor-parallel group)");
    uint16_t* out = t.data<uint16_t>();
    for (size_t i = 0; i < widened_.size(); ++i) out[i] = narrow(t.type(), widened_[i]);
  }

  void all_gather(const Tensor& in, Tensor& out) override {
    expect_host(in, "all_gather");
    expect_host(out, "all_gather");
    LLMC_CHECK(out.nbytes() == in.nbytes() * size_ && in.type() == out.type())
        << "all_gather: " << in.describe() << " into " << out.describe();
    check_mpi(MPI_Allgather(in.raw(), count(in.nbytes()), MPI_BYTE, out.raw(), count(in.nbytes()), MPI_BYTE, comm_),
              "MPI_Allgather (tensor-parallel group)");
  }

  void send(const Tensor& t, int peer) override {
    expect_host(t, "send");
    check_mpi(MPI_Send(t.raw(), count(t.nbytes()), MPI_BYTE, peer, kPipelineTag, comm_),
              "MPI_Send (to the next pipeline stage)");
  }

  void recv(Tensor& t, int peer) override {
    expect_host(t, "recv");
    MPI_Status status;
    check_mpi(MPI_Recv(t.raw(), count(t.nbytes()), MPI_BYTE, peer, kPipelineTag, comm_, &status),
              "MPI_Recv (from the previous pipeline stage)");
    int received = 0;
    MPI_Get_count(&status, MPI_BYTE, &received);
    LLMC_CHECK(received == static_cast<int64_t>(t.nbytes()))
        << "pipeline stage sent " << received << " bytes, expected " << t.nbytes() << " for " << t.describe();
  }

 private:
  static void expect_host(const Tensor& t, const char* op) {
    LLMC_CHECK(t.device() == DeviceKind::kCpu) << "MPI " << op << " takes host tensors, got the device tensor "
                                               << t.describe() << " (GPU ranks use NCCL or the host-staged wrapper)";
  }

  // MPI counts are int: a message of 2 GiB or more is refused rather than truncated.
  static int count(int64_t n) {
    LLMC_CHECK(n <= INT32_MAX) << "MPI message of " << n << " elements exceeds MPI's int count";
    return static_cast<int>(n);
  }
  static int count(size_t n) { return count(static_cast<int64_t>(n)); }

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  std::vector<float> widened_;
};

}  // namespace

std::unique_ptr<Communicator> split_world_communicator(int color, int key) {
  MPI_Comm comm = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(MPI_COMM_WORLD, color < 0 ? MPI_UNDEFINED : color, key, &comm), "MPI_Comm_split");
  if (comm == MPI_COMM_NULL) return nullptr;
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  return std::make_unique<MpiCommunicator>(comm);
}

ParallelGroups split_parallel_groups(const ParallelConfig& p) {
  // Both splits are collective over the world, in this order on every rank; the dedicated head joins neither.
  ParallelGroups g;
  g.tp = split_world_communicator(p.is_worker() ? p.stage() : -1, p.is_worker() ? p.tp_rank() : 0);
  g.pp = split_world_communicator(p.is_worker() ? p.tp_rank() : -1, p.is_worker() ? p.stage() : 0);
  return g;
}

}  // namespace llmc
