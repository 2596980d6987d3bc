#include "runtime/comm/mpi_communicator.h"

#include <mpi.h>

#include <string>

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

// Tensors are contiguous f32 (CPU backend); pipeline messages use one tag so they match in send order.
constexpr int kPipelineTag = 101;

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
    expect_f32(t, "all_reduce_sum");
    if (size_ == 1) return;
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, t.raw(), static_cast<int>(t.numel()), MPI_FLOAT, MPI_SUM, comm_),
              "MPI_Allreduce (tensor-parallel group)");
  }

  void all_gather(const Tensor& in, Tensor& out) override {
    expect_f32(in, "all_gather");
    LLMC_CHECK(out.numel() == in.numel() * size_) << "all_gather: " << in.describe() << " into " << out.describe();
    check_mpi(MPI_Allgather(in.raw(), static_cast<int>(in.numel()), MPI_FLOAT, out.raw(), static_cast<int>(in.numel()),
                            MPI_FLOAT, comm_),
              "MPI_Allgather (tensor-parallel group)");
  }

  void send(const Tensor& t, int peer) override {
    expect_f32(t, "send");
    check_mpi(MPI_Send(t.raw(), static_cast<int>(t.numel()), MPI_FLOAT, peer, kPipelineTag, comm_),
              "MPI_Send (to the next pipeline stage)");
  }

  void recv(Tensor& t, int peer) override {
    expect_f32(t, "recv");
    MPI_Status status;
    check_mpi(MPI_Recv(t.raw(), static_cast<int>(t.numel()), MPI_FLOAT, peer, kPipelineTag, comm_, &status),
              "MPI_Recv (from the previous pipeline stage)");
    int count = 0;
    MPI_Get_count(&status, MPI_FLOAT, &count);
    LLMC_CHECK(count == t.numel()) << "pipeline stage sent " << count << " values, expected " << t.numel();
  }

 private:
  static void expect_f32(const Tensor& t, const char* op) {
    LLMC_CHECK(t.type() == ScalarType::kF32 && t.device() == DeviceKind::kCpu)
        << "MPI " << op << " takes CPU f32 tensors, got " << t.describe();
  }

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
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
