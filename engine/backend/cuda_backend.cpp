// The CUDA backend: activations, weights and the KV cache in bf16 (or fp16, or f32 for exactness checks) on one
// GPU, float32 accumulation everywhere, products through cuBLASLt, the rest in kernels/cuda. Every operation is
// enqueued on one non-blocking stream; the host waits only in copy_to_host and synchronize.
//
// Memory: persistent tensors (weights, KV cache, rope table) are cudaMalloc'd once at startup; activations come
// from a scratch arena (one allocation, bump pointer, reset per forward pass) sized by a profiling pass, so a
// steady step allocates nothing and every step of one shape sees the same addresses (CUDA graphs need both).
#include <cuda_runtime_api.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/check.h"
#include "engine/backend/cuda_backend.h"
#include "engine/backend/cuda_graph_set.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/embedding.cuh"
#include "kernels/cuda/gemm.cuh"
#include "kernels/cuda/paged_attention.cuh"
#include "kernels/cuda/qkv_rope_store.cuh"
#include "kernels/cuda/rms_norm.cuh"
#include "kernels/cuda/sampling.cuh"
#include "kernels/cuda/silu_and_mul.cuh"
#include "kernels/cuda/token_mask.cuh"

namespace llmc {
namespace {

namespace kc = kernels::cuda;

constexpr size_t kAlign = 256;                    // cudaMalloc's own alignment; keeps 16-byte vector loads legal
constexpr size_t kStagingBytes = size_t{64} << 20;  // pinned host staging for uploads

size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

kc::DType kernel_type(ScalarType t) {
  switch (t) {
    case ScalarType::kF32: return kc::DType::kF32;
    case ScalarType::kBF16: return kc::DType::kBF16;
    case ScalarType::kF16: return kc::DType::kF16;
    default: LLMC_CHECK(false) << "cuda backend: no kernels for " << scalar_name(t) << " values";
  }
  return kc::DType::kF32;
}

std::string mib(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const CudaBackendOptions& o) : device_(o.device), act_(o.activation_type) {
    LLMC_CHECK(act_ == ScalarType::kBF16 || act_ == ScalarType::kF16 || act_ == ScalarType::kF32)
        << "cuda backend: activations must be bf16, f16 or f32, got " << scalar_name(act_);
    int count = 0;
    LLMC_CUDA_CHECK(cudaGetDeviceCount(&count));
    LLMC_CHECK(device_ >= 0 && device_ < count) << "cuda device " << device_ << " does not exist (" << count
                                                << " visible)";
    LLMC_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    LLMC_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    device_name_ = prop.name;
    num_sms_ = prop.multiProcessorCount;
    LLMC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    LLMC_CUDA_CHECK(cudaMallocHost(&staging_, kStagingBytes));
    LLMC_CUDA_CHECK(cudaEventCreateWithFlags(&staging_free_, cudaEventDisableTiming));
    gemm_ = kc::Gemm::create();
  }

  ~CudaBackend() override {
    // Device errors here cannot be reported: the process is ending or already failing.
    cudaStreamSynchronize(stream_);
    arena_.reset();
    gemm_.reset();
    cudaEventDestroy(staging_free_);
    cudaFreeHost(staging_);
    cudaStreamDestroy(stream_);
  }

  std::string name() const override { return "cuda:" + std::to_string(device_) + " (" + device_name_ + ")"; }
  DeviceKind device() const override { return DeviceKind::kCuda; }
  ScalarType activation_type() const override { return act_; }

  Tensor empty(ScalarType type, std::vector<int64_t> shape) override {
    bind_device();
    Tensor probe(nullptr, 0, type, shape, DeviceKind::kCuda);
    const size_t bytes = align_up(std::max<size_t>(probe.nbytes(), 1));
    void* p = nullptr;
    const cudaError_t err = cudaMalloc(&p, bytes);
    if (err != cudaSuccess) {
      cudaGetLastError();  // clear the sticky-free allocation error
      throw_out_of_memory(bytes, probe.describe());
    }
    std::shared_ptr<std::byte> storage(static_cast<std::byte*>(p), [](std::byte* q) { cudaFree(q); });
    return Tensor(std::move(storage), 0, type, std::move(shape), DeviceKind::kCuda);
  }

  Tensor zeros(ScalarType type, std::vector<int64_t> shape) override {
    Tensor t = empty(type, std::move(shape));
    LLMC_CUDA_CHECK(cudaMemsetAsync(t.raw(), 0, t.nbytes(), stream_));
    return t;
  }

  Tensor scratch(ScalarType type, std::vector<int64_t> shape) override {
    Tensor probe(nullptr, 0, type, shape, DeviceKind::kCuda);
    const size_t bytes = align_up(std::max<size_t>(probe.nbytes(), 1));
    if (arena_ && used_ + bytes <= arena_bytes_) {
      Tensor t(arena_, used_, type, std::move(shape), DeviceKind::kCuda);
      used_ += bytes;
      peak_ = std::max<int64_t>(peak_, static_cast<int64_t>(used_ + overflow_bytes_));
      return t;
    }
    LLMC_CHECK(!reserved_) << "cuda backend: this step needs more activation memory than the "
                           << mib(static_cast<int64_t>(arena_bytes_)) << " planned at startup (asked "
                           << (used_ + bytes) << " bytes for " << probe.describe()
                           << "); lower --max-num-batched-tokens or --max-num-seqs";
    // Profiling: grow with separate allocations that the tensors own (cudaFree waits for the device, so one
    // dropped while the stream still reads it is safe), and remember the peak.
    Tensor t = empty(type, std::move(shape));
    overflow_bytes_ += bytes;
    peak_ = std::max<int64_t>(peak_, static_cast<int64_t>(used_ + overflow_bytes_));
    return t;
  }

  void reset_scratch() override {
    bind_device();  // every step starts here, on whichever thread drives this rank
    used_ = 0;
    overflow_bytes_ = 0;
  }

  void reserve_scratch(int64_t bytes) override {
    LLMC_CUDA_CHECK(cudaStreamSynchronize(stream_));
    arena_.reset();
    arena_bytes_ = align_up(static_cast<size_t>(std::max<int64_t>(bytes, 1)));
    void* p = nullptr;
    if (cudaMalloc(&p, arena_bytes_) != cudaSuccess) {
      cudaGetLastError();
      throw_out_of_memory(arena_bytes_, "the activation workspace");
    }
    arena_ = std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { cudaFree(q); });
    reserved_ = true;
    used_ = 0;
    overflow_bytes_ = 0;
  }

  int64_t scratch_peak_bytes() const override { return peak_; }
  int64_t scratch_position() const override { return static_cast<int64_t>(used_); }
  void set_scratch_position(int64_t bytes) override {
    LLMC_CHECK(reserved_ && bytes >= 0 && static_cast<size_t>(bytes) <= arena_bytes_)
        << "cuda backend: scratch position " << bytes << " outside the " << arena_bytes_ << "-byte workspace";
    used_ = static_cast<size_t>(bytes);
  }

  DeviceMemory memory() const override {
    size_t free_bytes = 0, total_bytes = 0;
    LLMC_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    return DeviceMemory{static_cast<int64_t>(free_bytes), static_cast<int64_t>(total_bytes)};
  }

  void* native_stream() const override { return stream_; }

  void copy_from_host(const void* src, Tensor& dst) override {
    expect_device(dst, "copy_from_host destination");
    upload_bytes(static_cast<const std::byte*>(src), static_cast<std::byte*>(dst.raw()), dst.nbytes());
  }

  void copy_rows_from_host(const void* src, int64_t rows, int64_t row_bytes, Tensor& dst) override {
    expect_device(dst, "copy_rows_from_host destination");
    const int64_t pitch = check_row_copy(rows, row_bytes, dst);
    const size_t bytes = static_cast<size_t>(rows * row_bytes);
    if (bytes == 0) return;
    LLMC_CHECK(bytes <= kStagingBytes) << "copy_rows_from_host: " << bytes << " bytes exceed the staging buffer";
    LLMC_CUDA_CHECK(cudaEventSynchronize(staging_free_));
    std::memcpy(staging_, src, bytes);
    LLMC_CUDA_CHECK(cudaMemcpy2DAsync(dst.raw(), static_cast<size_t>(pitch), staging_, static_cast<size_t>(row_bytes),
                                      static_cast<size_t>(row_bytes), static_cast<size_t>(rows),
                                      cudaMemcpyHostToDevice, stream_));
    LLMC_CUDA_CHECK(cudaEventRecord(staging_free_, stream_));
  }

  void copy_to_host(const Tensor& src, void* dst) override {
    expect_device(src, "copy_to_host source");
    LLMC_CUDA_CHECK(cudaMemcpyAsync(dst, src.raw(), src.nbytes(), cudaMemcpyDeviceToHost, stream_));
    LLMC_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  Tensor upload_weight(const void* src, ScalarType src_type, std::vector<int64_t> shape) override {
    Tensor t = empty(act_, std::move(shape));  // binds the device
    const auto* bytes = static_cast<const std::byte*>(src);
    if (src_type == act_) {
      upload_bytes(bytes, static_cast<std::byte*>(t.raw()), t.nbytes());
      return t;
    }
    // Another stored type: move it in chunks through a device buffer and convert there (no f32 on the host).
    const size_t in_size = scalar_size(src_type), out_size = scalar_size(act_);
    const int64_t chunk = static_cast<int64_t>(kStagingBytes / in_size);
    if (!convert_buffer_.defined()) convert_buffer_ = empty(ScalarType::kI64, {int64_t(kStagingBytes / 8)});
    for (int64_t at = 0; at < t.numel(); at += chunk) {
      const int64_t n = std::min(chunk, t.numel() - at);
      upload_bytes(bytes + at * in_size, static_cast<std::byte*>(convert_buffer_.raw()), n * in_size);
      kc::convert(convert_buffer_.raw(), kernel_type(src_type), static_cast<std::byte*>(t.raw()) + at * out_size,
                  kernel_type(act_), n, stream_);
    }
    return t;
  }

  void embedding(const Tensor& ids, const Tensor& table, int64_t vocab_begin, Tensor& out) override {
    kc::embedding(ids.data<int32_t>(), ids.numel(), table.raw(), vocab_begin, table.dim(0), table.dim(1), out.raw(),
                  type_of(table, out), stream_);
  }

  void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) override {
    const int64_t dim = weight.numel();
    kc::rms_norm(x.raw(), weight.raw(), eps, x.numel() / dim, dim, out.raw(), type_of(x, out), stream_);
  }

  void add_rms_norm(Tensor& residual, const Tensor& x, const Tensor& weight, float eps, Tensor& out) override {
    const int64_t dim = weight.numel();
    kc::add_rms_norm(residual.raw(), x.raw(), weight.raw(), eps, x.numel() / dim, dim, out.raw(),
                     type_of(residual, x), stream_);
  }

  void linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y) override {
    const int64_t in = weight.dim(1), out = weight.dim(0);
    LLMC_CHECK(x.type() == weight.type() && x.numel() % in == 0 && y.numel() == x.numel() / in * out)
        << "linear: x " << x.describe() << ", weight " << weight.describe() << ", y " << y.describe();
    gemm_->linear(x.raw(), weight.raw(), bias.defined() ? bias.raw() : nullptr, y.raw(), x.numel() / in, in, out,
                  kernel_type(x.type()), kernel_type(y.type()), stream_);
  }

  void qkv_rope_store(const Tensor& qkv, const Tensor& positions, const Tensor& cos_sin, const Tensor& q_norm,
                      const Tensor& k_norm, float eps, const AttentionMetadata& meta, Tensor& q_out, Tensor& k_cache,
                      Tensor& v_cache) override {
    kc::QkvRopeStoreArgs a;
    a.qkv = qkv.raw();
    a.positions = positions.data<int32_t>();
    a.cos_sin = cos_sin.data<float>();
    a.q_norm = q_norm.defined() ? q_norm.raw() : nullptr;
    a.k_norm = k_norm.defined() ? k_norm.raw() : nullptr;
    a.eps = eps;
    a.slot_mapping = meta.slot_mapping.data<int64_t>();
    a.q_out = q_out.raw();
    a.k_cache = k_cache.raw();
    a.v_cache = v_cache.raw();
    a.tokens = qkv.dim(0);
    a.q_heads = q_out.dim(1);
    a.kv_heads = k_cache.dim(2);
    a.head_dim = q_out.dim(2);
    a.type = type_of(qkv, k_cache);
    LLMC_CHECK(qkv.numel() == a.tokens * (a.q_heads + 2 * a.kv_heads) * a.head_dim && cos_sin.dim(1) == a.head_dim)
        << "qkv_rope_store: qkv " << qkv.describe() << ", q " << q_out.describe() << ", cache " << k_cache.describe()
        << ", rope table " << cos_sin.describe();
    kc::qkv_rope_store(a, stream_);
  }

  void silu_and_mul(const Tensor& gate_up, Tensor& out) override {
    const int64_t inter = out.dim(out.rank() - 1);
    kc::silu_and_mul(gate_up.raw(), out.numel() / inter, inter, out.raw(), type_of(gate_up, out), stream_);
  }

  void plan_attention(const AttentionMetadata& meta, const AttentionShape& shape) override {
    attn_shape_.q_heads = shape.q_heads;
    attn_shape_.kv_heads = shape.kv_heads;
    attn_shape_.head_dim = shape.head_dim;
    attn_shape_.block_size = shape.block_size;
    attn_shape_.type = kernel_type(act_);
    attn_plan_ = kc::plan_paged_attention(attn_shape_, meta.num_tokens, meta.num_seqs, meta.max_query_len,
                                          meta.max_context_len, num_sms_);
    const size_t bytes = kc::paged_attention_workspace_bytes(attn_shape_, meta.num_tokens);
    attn_workspace_ = bytes > 0 ? scratch(ScalarType::kI64, {static_cast<int64_t>((bytes + 7) / 8)}) : Tensor();
  }

  void paged_attention(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache, const AttentionMetadata& meta,
                       float scale, int64_t sliding_window, Tensor& out) override {
    LLMC_CHECK(attn_plan_.num_tokens == meta.num_tokens && attn_shape_.q_heads == q.dim(1))
        << "paged_attention: plan_attention was not called for this batch";
    kc::PagedAttentionArgs a;
    a.q = q.raw();
    a.k_cache = k_cache.raw();
    a.v_cache = v_cache.raw();
    a.query_start = meta.query_start.data<int32_t>();
    a.context_lens = meta.context_lens.data<int32_t>();
    a.block_tables = meta.block_tables.data<int32_t>();
    a.max_blocks_per_seq = meta.max_blocks_per_seq;
    a.scale = scale;
    a.sliding_window = sliding_window;
    a.out = out.raw();
    a.workspace = attn_workspace_.defined() ? attn_workspace_.raw() : nullptr;
    kc::paged_attention(attn_shape_, attn_plan_, a, stream_);
  }

  void gather_rows(const Tensor& x, const Tensor& indices, Tensor& out) override {
    const int64_t row_bytes = x.dim(0) == 0 ? 0 : static_cast<int64_t>(x.nbytes()) / x.dim(0);
    kc::gather_rows(x.raw(), indices.data<int32_t>(), indices.numel(), row_bytes, out.raw(), stream_);
  }

  void add(Tensor& a, const Tensor& b) override {
    kc::add_inplace(a.raw(), b.raw(), a.numel(), type_of(a, b), stream_);
  }

  void unshard_columns(const Tensor& stacked, int64_t parts, Tensor& out) override {
    const int64_t n = stacked.dim(0) / parts, w = stacked.dim(1);
    const size_t row = static_cast<size_t>(w) * scalar_size(stacked.type());
    LLMC_CHECK(out.dim(0) == n && out.dim(1) == parts * w && out.type() == stacked.type())
        << "unshard_columns: " << stacked.describe() << " in " << parts << " parts into " << out.describe();
    for (int64_t p = 0; p < parts; ++p) {
      LLMC_CUDA_CHECK(cudaMemcpy2DAsync(static_cast<std::byte*>(out.raw()) + p * row, row * parts,
                                        static_cast<const std::byte*>(stacked.raw()) + p * n * row, row, row, n,
                                        cudaMemcpyDeviceToDevice, stream_));
    }
  }

  std::vector<SampleOutput> sample(Tensor& logits, int64_t vocab, std::span<const SampleRow> rows) override;

  void synchronize() override { LLMC_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

  bool supports_graphs() const override { return true; }
  void begin_capture() override {
    bind_device();
    graphs_.begin(stream_);
  }
  int end_capture() override { return graphs_.end(stream_); }
  void replay(int graph) override { graphs_.replay(graph, stream_); }

 private:
  // The current device is per host thread, and a rank's steps may run on another thread than the one that made
  // the backend (worker 0 beside the head, the warm-up thread): select ours before work is enqueued.
  void bind_device() const { LLMC_CUDA_CHECK(cudaSetDevice(device_)); }

  static void expect_device(const Tensor& t, const char* what) {
    LLMC_CHECK(t.device() == DeviceKind::kCuda) << "cuda backend: " << what << " " << t.describe()
                                                << " is not device memory";
  }

  static kc::DType type_of(const Tensor& a, const Tensor& b) {
    LLMC_CHECK(a.type() == b.type()) << "cuda backend: mixed types " << a.describe() << " and " << b.describe();
    return kernel_type(a.type());
  }

  [[noreturn]] void throw_out_of_memory(size_t bytes, const std::string& what) const {
    size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    LLMC_FAIL() << "cuda:" << device_ << ": out of memory allocating " << mib(static_cast<int64_t>(bytes))
                << " for " << what << " (" << mib(static_cast<int64_t>(free_bytes)) << " free of "
                << mib(static_cast<int64_t>(total_bytes))
                << "); lower --gpu-memory-utilization's share for the KV cache, --max-model-len, "
                         "--max-num-seqs or --max-num-batched-tokens, or use more GPUs (--tp)";
    std::abort();  // unreachable: LLMC_FAIL throws; this tells the compiler so
  }

  // Host to device through the pinned staging buffer, chunk by chunk; the copy engine reads the staging
  // buffer asynchronously, so each refill first waits until the previous chunk has left it.
  void upload_bytes(const std::byte* src, std::byte* dst, size_t bytes) {
    for (size_t at = 0; at < bytes; at += kStagingBytes) {
      const size_t n = std::min(kStagingBytes, bytes - at);
      LLMC_CUDA_CHECK(cudaEventSynchronize(staging_free_));
      std::memcpy(staging_, src + at, n);
      LLMC_CUDA_CHECK(cudaMemcpyAsync(dst + at, staging_, n, cudaMemcpyHostToDevice, stream_));
      LLMC_CUDA_CHECK(cudaEventRecord(staging_free_, stream_));
    }
  }

  int device_;
  ScalarType act_;
  std::string device_name_;
  int num_sms_ = 0;
  cudaStream_t stream_ = nullptr;
  void* staging_ = nullptr;
  cudaEvent_t staging_free_ = nullptr;
  std::unique_ptr<kc::Gemm> gemm_;
  Tensor convert_buffer_;

  std::shared_ptr<std::byte> arena_;
  size_t arena_bytes_ = 0;
  size_t used_ = 0;
  size_t overflow_bytes_ = 0;
  int64_t peak_ = 0;
  bool reserved_ = false;

  CudaGraphSet graphs_;  // decode passes recorded for replay (they reference the arena, the KV cache, weights)

  kc::PagedAttentionShape attn_shape_;
  kc::PagedAttentionPlan attn_plan_;
  Tensor attn_workspace_;
};

// Parameters, token histories and the token masks of constrained rows go up in one packed copy, the masks are
// applied, the kernel samples every row, and the tokens, logprobs and error codes come back in one copy.
std::vector<SampleOutput> CudaBackend::sample(Tensor& logits, int64_t vocab, std::span<const SampleRow> rows) {
  bind_device();
  const int64_t n = static_cast<int64_t>(rows.size());
  std::vector<SampleOutput> outs(rows.size());
  if (n == 0) return outs;
  LLMC_CHECK(logits.type() == ScalarType::kF32 && logits.dim(0) == n && logits.dim(1) >= vocab)
      << "sample: logits " << logits.describe() << " for " << n << " rows of a " << vocab << "-token vocabulary";
  std::vector<kc::DeviceSamplingRow> params(rows.size());
  std::vector<int32_t> tokens;
  std::vector<int32_t> mask_rows;  // rows with a token mask
  const int64_t mask_words = (vocab + 31) / 32;
  int max_top = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const SamplingParams& p = *rows[i].params;
    try {
      validate(p, static_cast<int>(vocab));
    } catch (const Error& e) {
      throw Error("row " + std::to_string(i) + ": " + e.what(), e.source_location());
    }
    kc::DeviceSamplingRow& d = params[i];
    d.temperature = p.temperature;
    d.top_p = p.top_p;
    d.min_p = p.min_p;
    d.repetition_penalty = p.repetition_penalty;
    d.presence_penalty = p.presence_penalty;
    d.frequency_penalty = p.frequency_penalty;
    d.top_k = p.top_k;
    d.num_logprobs = p.logprobs;
    d.seed = p.seed;
    d.step = rows[i].output_ids.size();
    // Histories travel only for the penalties that read them.
    if (p.repetition_penalty != 1.0f) {
      d.prompt_begin = static_cast<int32_t>(tokens.size());
      d.prompt_count = static_cast<int32_t>(rows[i].prompt_ids.size());
      tokens.insert(tokens.end(), rows[i].prompt_ids.begin(), rows[i].prompt_ids.end());
    }
    if (p.repetition_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f) {
      d.output_begin = static_cast<int32_t>(tokens.size());
      d.output_count = static_cast<int32_t>(rows[i].output_ids.size());
      tokens.insert(tokens.end(), rows[i].output_ids.begin(), rows[i].output_ids.end());
    }
    max_top = std::max(max_top, p.logprobs);
    if (!rows[i].allowed.empty()) {
      LLMC_CHECK(static_cast<int64_t>(rows[i].allowed.size()) >= mask_words)
          << "sample: row " << i << ": token mask of " << rows[i].allowed.size() << " words for a " << vocab
          << "-token vocabulary";
      mask_rows.push_back(static_cast<int32_t>(i));
    }
  }
  // [params][token ids][mask rows i32][masks u32, mask_words per masked row], each part 256-byte aligned.
  const size_t param_bytes = params.size() * sizeof(kc::DeviceSamplingRow);
  const size_t token_at = align_up(param_bytes);
  const size_t mask_rows_at = align_up(token_at + tokens.size() * sizeof(int32_t));
  const size_t masks_at = align_up(mask_rows_at + mask_rows.size() * sizeof(int32_t));
  const size_t mask_bytes = static_cast<size_t>(mask_words) * sizeof(uint32_t);
  std::vector<std::byte> packed(mask_rows.empty() ? token_at + tokens.size() * sizeof(int32_t)
                                                  : masks_at + mask_rows.size() * mask_bytes);
  std::memcpy(packed.data(), params.data(), param_bytes);
  if (!tokens.empty()) std::memcpy(packed.data() + token_at, tokens.data(), tokens.size() * sizeof(int32_t));
  if (!mask_rows.empty()) {
    std::memcpy(packed.data() + mask_rows_at, mask_rows.data(), mask_rows.size() * sizeof(int32_t));
    for (size_t k = 0; k < mask_rows.size(); ++k) {
      std::memcpy(packed.data() + masks_at + k * mask_bytes, rows[static_cast<size_t>(mask_rows[k])].allowed.data(), mask_bytes);
    }
  }
  Tensor in = scratch(ScalarType::kI64, {static_cast<int64_t>((packed.size() + 7) / 8)});
  packed.resize(in.nbytes());
  copy_from_host(packed.data(), in);
  auto* in_bytes = static_cast<std::byte*>(in.raw());
  if (!mask_rows.empty()) {
    kc::apply_token_masks(logits.data<float>(), logits.dim(1), vocab, reinterpret_cast<const int32_t*>(in_bytes + mask_rows_at),
                          reinterpret_cast<const uint32_t*>(in_bytes + masks_at), mask_words,
                          static_cast<int64_t>(mask_rows.size()), stream_);
  }

  // Results [token n][logprob n][error n][top ids n * max_top][top logprobs n * max_top], 4 bytes each.
  const int64_t words = n * (3 + 2 * static_cast<int64_t>(max_top));
  Tensor results = scratch(ScalarType::kI32, {words});
  auto* r = static_cast<std::byte*>(results.raw());
  const size_t col = static_cast<size_t>(n) * 4;
  Tensor workspace = scratch(ScalarType::kI64,
                             {static_cast<int64_t>((kc::sampling_workspace_bytes(n, vocab) + 7) / 8)});
  kc::sample_rows(logits.data<float>(), logits.dim(1), n, vocab,
                  reinterpret_cast<const kc::DeviceSamplingRow*>(in.raw()),
                  tokens.empty() ? nullptr : reinterpret_cast<const int32_t*>(static_cast<std::byte*>(in.raw()) + token_at),
                  reinterpret_cast<int32_t*>(r), reinterpret_cast<float*>(r + col),
                  max_top > 0 ? reinterpret_cast<int32_t*>(r + 3 * col) : nullptr,
                  max_top > 0 ? reinterpret_cast<float*>(r + 3 * col + col * max_top) : nullptr, max_top,
                  reinterpret_cast<int32_t*>(r + 2 * col), workspace.raw(), stream_);
  std::vector<int32_t> host(static_cast<size_t>(words));
  copy_to_host(results, host.data());
  const int32_t* token = host.data();
  const auto* logprob = reinterpret_cast<const float*>(host.data() + n);
  const int32_t* error = host.data() + 2 * n;
  const int32_t* top_ids = host.data() + 3 * n;
  const auto* top_lp = reinterpret_cast<const float*>(host.data() + 3 * n + n * max_top);
  for (int64_t i = 0; i < n; ++i) {
    LLMC_CHECK(error[i] == kc::kSamplingOk)
        << "sampler: row " << i << ": " << kc::sampling_error_message(error[i])
        << (error[i] == kc::kSamplingAllMasked && !rows[static_cast<size_t>(i)].allowed.empty()
                ? " (after the constraint's token mask)" : "");
    SampleOutput& o = outs[static_cast<size_t>(i)];
    o.token_id = token[i];
    const int want = rows[static_cast<size_t>(i)].params->logprobs;
    if (want >= 0) o.logprob = logprob[i];
    for (int k = 0; k < want; ++k) o.top_logprobs.emplace_back(top_ids[i * max_top + k], top_lp[i * max_top + k]);
  }
  return outs;
}

}  // namespace

bool cuda_backend_built() { return true; }

std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions& options) {
  return std::make_unique<CudaBackend>(options);
}

}  // namespace llmc
