// NCCL and the CUDA runtime behind nccl_communicator.h. Compiled only when CMake found both.
#include "runtime/comm/nccl/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <cstring>
#include <sstream>
#include <thread>

#include "common/check.h"

namespace llmc {
namespace {

using Clock = std::chrono::steady_clock;

#define LLMC_CUDA_CHECK(call)                                                                            \
  do {                                                                                                   \
    const cudaError_t llmc_cuda_err = (call);                                                            \
    LLMC_CHECK(llmc_cuda_err == cudaSuccess) << #call << ": " << cudaGetErrorString(llmc_cuda_err);      \
  } while (0)

ncclDataType_t nccl_type(ScalarType t) {
  switch (t) {
    case ScalarType::kF32: return ncclFloat32;
    case ScalarType::kBF16: return ncclBfloat16;
    case ScalarType::kF16: return ncclFloat16;
    case ScalarType::kI32: return ncclInt32;
    case ScalarType::kI64: return ncclInt64;
  }
  throw Error("NCCL: unsupported scalar type");
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(Communicator& bootstrap, const NcclOptions& options)
      : options_(options), rank_(bootstrap.rank()), size_(bootstrap.size()) {
    LLMC_CUDA_CHECK(cudaSetDevice(options_.device));
    LLMC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    const ncclUniqueId id = exchange_unique_id(bootstrap);
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;  // so a peer that never joins hits our deadline instead of blocking us forever
    const ncclResult_t r = ncclCommInitRankConfig(&comm_, size_, id, rank_, &config);
    LLMC_CHECK(r == ncclSuccess || r == ncclInProgress)
        << "NCCL init of the " << options_.group_name << " (rank " << rank_ << " of " << size_
        << ", cuda:" << options_.device << "): " << ncclGetErrorString(r) << " " << ncclGetLastError(comm_);
    wait_ready("NCCL init", Clock::now() + options_.init_timeout);
  }

  ~NcclCommunicator() override {
    if (comm_ != nullptr) {
      cudaSetDevice(options_.device);
      // Finalize flushes outstanding work; a communicator that failed (or a peer that is gone) is aborted.
      const ncclResult_t finalize = failed_ ? ncclInternalError : ncclCommFinalize(comm_);
      if (finalize == ncclSuccess || finalize == ncclInProgress) {
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        ncclResult_t state = ncclInProgress;
        while (state == ncclInProgress && Clock::now() < deadline) {
          ncclCommGetAsyncError(comm_, &state);
          if (state == ncclInProgress) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (state == ncclSuccess) {
          ncclCommDestroy(comm_);
        } else {
          ncclCommAbort(comm_);
        }
      } else {
        ncclCommAbort(comm_);
      }
    }
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  // Operations go on the backend's compute stream, ordered after the kernels that produced their input. Each
  // still waits for its completion with a deadline (a peer that is gone is an error, never a hang); a watchdog
  // thread that lets them run without that wait is the speed work's.
  void bind_stream(void* stream) override { bound_stream_ = static_cast<cudaStream_t>(stream); }

  void all_reduce_sum(Tensor& t) override {
    expect_cuda(t, "all_reduce_sum");
    run("ncclAllReduce", [&] {
      return ncclAllReduce(t.raw(), t.raw(), static_cast<size_t>(t.numel()), nccl_type(t.type()), ncclSum, comm_,
                           op_stream());
    });
  }

  void all_gather(const Tensor& in, Tensor& out) override {
    expect_cuda(in, "all_gather");
    expect_cuda(out, "all_gather");
    LLMC_CHECK(out.numel() == in.numel() * size_ && out.type() == in.type())
        << "all_gather: " << in.describe() << " into " << out.describe() << " across " << size_ << " ranks";
    run("ncclAllGather", [&] {
      return ncclAllGather(in.raw(), out.raw(), static_cast<size_t>(in.numel()), nccl_type(in.type()), comm_, op_stream());
    });
  }

  void send(const Tensor& t, int peer) override {
    expect_cuda(t, "send");
    expect_peer(peer, "send to");
    run("ncclSend", [&] {
      return ncclSend(t.raw(), static_cast<size_t>(t.numel()), nccl_type(t.type()), peer, comm_, op_stream());
    });
  }

  void recv(Tensor& t, int peer) override {
    expect_cuda(t, "recv");
    expect_peer(peer, "recv from");
    run("ncclRecv", [&] {
      return ncclRecv(t.raw(), static_cast<size_t>(t.numel()), nccl_type(t.type()), peer, comm_, op_stream());
    });
  }

 private:
  cudaStream_t op_stream() const { return bound_stream_ != nullptr ? bound_stream_ : stream_; }

  // Group rank 0 makes the id; it reaches the others through the MPI group (as f32 bit patterns: the MPI
  // communicator moves f32 tensors, and the bytes go through unchanged).
  ncclUniqueId exchange_unique_id(Communicator& bootstrap) {
    ncclUniqueId id{};
    constexpr int64_t kFloats = (sizeof(ncclUniqueId) + sizeof(float) - 1) / sizeof(float);
    std::shared_ptr<std::byte> storage(new std::byte[kFloats * sizeof(float)](), std::default_delete<std::byte[]>());
    Tensor buffer(storage, 0, ScalarType::kF32, {kFloats}, DeviceKind::kCpu);
    if (rank_ == 0) {
      const ncclResult_t r = ncclGetUniqueId(&id);
      LLMC_CHECK(r == ncclSuccess) << "ncclGetUniqueId for the " << options_.group_name << ": "
                                   << ncclGetErrorString(r);
      std::memcpy(buffer.raw(), &id, sizeof(id));
      for (int peer = 1; peer < size_; ++peer) bootstrap.send(buffer, peer);
    } else {
      bootstrap.recv(buffer, 0);
      std::memcpy(&id, buffer.raw(), sizeof(id));
    }
    return id;
  }

  template <typename Call>
  void run(const char* what, Call call) {
    LLMC_CHECK(!failed_) << what << " on the " << options_.group_name << ": the communicator failed earlier";
    LLMC_CUDA_CHECK(cudaSetDevice(options_.device));
    const ncclResult_t r = call();
    if (r != ncclSuccess && r != ncclInProgress) {
      failed_ = true;
      LLMC_FAIL() << what << " on the " << options_.group_name << " (rank " << rank_ << "): " << ncclGetErrorString(r)
                  << " " << ncclGetLastError(comm_);
    }
    const auto deadline = Clock::now() + options_.op_timeout;
    wait_ready(what, deadline);
    wait_stream(what, deadline);
  }

  // Non-blocking communicators return before an operation is enqueued; this waits for it (or init).
  void wait_ready(const char* what, Clock::time_point deadline) {
    for (;;) {
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm_, &state);
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) fail(what, std::string(ncclGetErrorString(state)) + " " + ncclGetLastError(comm_));
      if (Clock::now() > deadline) fail(what, "no progress within the deadline: a peer rank is missing or stuck");
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  void wait_stream(const char* what, Clock::time_point deadline) {
    for (;;) {
      const cudaError_t e = cudaStreamQuery(op_stream());
      if (e == cudaSuccess) return;
      if (e != cudaErrorNotReady) fail(what, cudaGetErrorString(e));
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm_, &state);
      if (state != ncclSuccess && state != ncclInProgress) fail(what, ncclGetErrorString(state));
      if (Clock::now() > deadline) fail(what, "did not complete within the deadline: a peer rank is missing or stuck");
      std::this_thread::yield();
    }
  }

  [[noreturn]] void fail(const char* what, const std::string& why) {
    failed_ = true;
    ncclCommAbort(comm_);  // frees NCCL's resources and unblocks its kernels
    comm_ = nullptr;
    std::ostringstream m;
    m << what << " on the " << options_.group_name << " (rank " << rank_ << " of " << size_ << ", cuda:"
      << options_.device << "): " << why;
    throw Error(m.str());
  }

  void expect_cuda(const Tensor& t, const char* op) const {
    LLMC_CHECK(t.device() == DeviceKind::kCuda) << "NCCL " << op << " takes CUDA tensors, got " << t.describe();
  }
  void expect_peer(int peer, const char* op) const {
    LLMC_CHECK(peer >= 0 && peer < size_ && peer != rank_)
        << "NCCL " << op << " rank " << peer << " of the " << options_.group_name << " (this is rank " << rank_
        << " of " << size_ << ")";
  }

  NcclOptions options_;
  int rank_ = 0;
  int size_ = 1;
  cudaStream_t stream_ = nullptr;
  cudaStream_t bound_stream_ = nullptr;
  ncclComm_t comm_ = nullptr;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& bootstrap, const NcclOptions& options) {
  const int devices = cuda_device_count();
  LLMC_CHECK(options.device >= 0 && options.device < devices)
      << "the " << options.group_name << " needs CUDA device " << options.device << ", but this process sees "
      << devices << " device(s)";
  return std::make_unique<NcclCommunicator>(bootstrap, options);
}

bool nccl_built() { return true; }

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

std::string cuda_device_name(int device) {
  cudaDeviceProp prop{};
  LLMC_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

std::string cuda_pci_bus_id(int device) {
  char id[32] = {};
  LLMC_CUDA_CHECK(cudaDeviceGetPCIBusId(id, sizeof(id), device));
  return id;
}

std::string nccl_version() {
  int v = 0;
  ncclGetVersion(&v);
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

Tensor make_cuda_tensor(ScalarType type, std::vector<int64_t> shape, int device) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  LLMC_CUDA_CHECK(cudaSetDevice(device));
  void* p = nullptr;
  LLMC_CUDA_CHECK(cudaMalloc(&p, static_cast<size_t>(n) * scalar_size(type)));
  std::shared_ptr<std::byte> storage(static_cast<std::byte*>(p), [device](std::byte* q) {
    cudaSetDevice(device);
    cudaFree(q);
  });
  return Tensor(storage, 0, type, std::move(shape), DeviceKind::kCuda);
}

void copy_to_device(const void* host, Tensor& t) {
  LLMC_CHECK(t.device() == DeviceKind::kCuda) << "copy_to_device: " << t.describe() << " is not on a CUDA device";
  LLMC_CUDA_CHECK(cudaMemcpy(t.raw(), host, t.nbytes(), cudaMemcpyHostToDevice));
}

void copy_to_host(const Tensor& t, void* host) {
  LLMC_CHECK(t.device() == DeviceKind::kCuda) << "copy_to_host: " << t.describe() << " is not on a CUDA device";
  LLMC_CUDA_CHECK(cudaMemcpy(host, t.raw(), t.nbytes(), cudaMemcpyDeviceToHost));
}

}  // namespace llmc
