#include "runtime/comm/nccl/host_staged_communicator.h"

#include <cuda_runtime_api.h>

#include "common/check.h"

namespace llmc {
namespace {

#define LLMC_STAGED_CUDA_CHECK(call)                                                                     \
  do {                                                                                                   \
    const cudaError_t llmc_cuda_err = (call);                                                            \
    LLMC_CHECK(llmc_cuda_err == cudaSuccess) << #call << ": " << cudaGetErrorString(llmc_cuda_err);      \
  } while (0)

// Pinned host memory that grows to the largest message and is reused (the decode steps' messages are small
// and the same size every step).
class PinnedBuffer {
 public:
  ~PinnedBuffer() {
    if (data_ != nullptr) cudaFreeHost(data_);
  }
  std::byte* get(size_t bytes) {
    if (bytes > capacity_) {
      if (data_ != nullptr) cudaFreeHost(data_);
      data_ = nullptr;
      capacity_ = 0;
      void* p = nullptr;
      LLMC_STAGED_CUDA_CHECK(cudaMallocHost(&p, bytes));
      data_ = static_cast<std::byte*>(p);
      capacity_ = bytes;
    }
    return data_;
  }

 private:
  std::byte* data_ = nullptr;
  size_t capacity_ = 0;
};

class HostStagedCommunicator final : public Communicator {
 public:
  explicit HostStagedCommunicator(std::unique_ptr<Communicator> host) : host_(std::move(host)) {}

  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  void bind_stream(void* stream) override { stream_ = static_cast<cudaStream_t>(stream); }

  void all_reduce_sum(Tensor& t) override {
    if (t.device() == DeviceKind::kCpu) return host_->all_reduce_sum(t);
    if (size() == 1) return;
    Tensor staged = to_host(t, a_);
    host_->all_reduce_sum(staged);
    to_device(staged, t);
  }

  void all_gather(const Tensor& in, Tensor& out) override {
    if (in.device() == DeviceKind::kCpu) return host_->all_gather(in, out);
    Tensor staged_in = to_host(in, a_);
    Tensor staged_out = host_view(out, b_);
    host_->all_gather(staged_in, staged_out);
    to_device(staged_out, out);
  }

  void send(const Tensor& t, int peer) override {
    if (t.device() == DeviceKind::kCpu) return host_->send(t, peer);
    host_->send(to_host(t, a_), peer);
  }

  void recv(Tensor& t, int peer) override {
    if (t.device() == DeviceKind::kCpu) return host_->recv(t, peer);
    Tensor staged = host_view(t, a_);
    host_->recv(staged, peer);
    to_device(staged, t);
  }

 private:
  // A host tensor of t's type and shape in `buffer` (not owning: valid until the buffer is reused).
  static Tensor host_view(const Tensor& t, PinnedBuffer& buffer) {
    std::shared_ptr<std::byte> storage(buffer.get(std::max<size_t>(t.nbytes(), 1)), [](std::byte*) {});
    return Tensor(std::move(storage), 0, t.type(), t.shape(), DeviceKind::kCpu);
  }

  Tensor to_host(const Tensor& t, PinnedBuffer& buffer) {
    LLMC_CHECK(stream_ != nullptr) << "host-staged communicator: no compute stream bound";
    Tensor h = host_view(t, buffer);
    LLMC_STAGED_CUDA_CHECK(cudaMemcpyAsync(h.raw(), t.raw(), t.nbytes(), cudaMemcpyDeviceToHost, stream_));
    LLMC_STAGED_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return h;
  }

  // The copy reads pinned memory asynchronously: wait for it, since the buffer is reused by the next operation.
  void to_device(const Tensor& h, Tensor& t) {
    LLMC_STAGED_CUDA_CHECK(cudaMemcpyAsync(t.raw(), h.raw(), t.nbytes(), cudaMemcpyHostToDevice, stream_));
    LLMC_STAGED_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  std::unique_ptr<Communicator> host_;
  cudaStream_t stream_ = nullptr;
  PinnedBuffer a_, b_;
};

}  // namespace

std::unique_ptr<Communicator> make_host_staged_communicator(std::unique_ptr<Communicator> host) {
  return std::make_unique<HostStagedCommunicator>(std::move(host));
}

}  // namespace llmc
