// The CPU backend: float32 everywhere (weights are converted from bf16/fp16 at load), products through
// OpenBLAS, the rest in kernels/cpu with OpenMP threads.
#include <omp.h>

#include <cstdlib>
#include <cstring>

#include "common/check.h"
#include "engine/backend/backend.h"
#include "engine/safetensors/dtype.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/paged_attention.h"
#include "kernels/cpu/rope.h"

namespace llmc {
namespace {

namespace k = kernels::cpu;

void expect_f32(const Tensor& t, const char* what) {
  LLMC_CHECK(t.defined() && t.type() == ScalarType::kF32) << "cpu backend: " << what << " must be f32, got "
                                                          << (t.defined() ? t.describe() : "undefined");
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const CpuBackendOptions& options) {
    if (options.threads > 0) {
      omp_set_num_threads(options.threads);
      k::set_blas_threads(options.threads);
    }
  }

  std::string name() const override { return "cpu"; }
  DeviceKind device() const override { return DeviceKind::kCpu; }
  ScalarType activation_type() const override { return ScalarType::kF32; }

  Tensor empty(ScalarType type, std::vector<int64_t> shape) override { return allocate(type, std::move(shape), false); }
  Tensor zeros(ScalarType type, std::vector<int64_t> shape) override { return allocate(type, std::move(shape), true); }

  // Host memory is plentiful and malloc is cheap next to CPU compute: scratch tensors are ordinary ones.
  Tensor scratch(ScalarType type, std::vector<int64_t> shape) override { return empty(type, std::move(shape)); }
  void reset_scratch() override {}
  void reserve_scratch(int64_t) override {}
  int64_t scratch_peak_bytes() const override { return 0; }
  int64_t scratch_position() const override { return 0; }
  void set_scratch_position(int64_t) override {}
  DeviceMemory memory() const override { return {}; }
  void* native_stream() const override { return nullptr; }

  void copy_from_host(const void* src, Tensor& dst) override { std::memcpy(dst.raw(), src, dst.nbytes()); }
  void copy_to_host(const Tensor& src, void* dst) override { std::memcpy(dst, src.raw(), src.nbytes()); }
  void copy_rows_from_host(const void* src, int64_t rows, int64_t row_bytes, Tensor& dst) override {
    const int64_t pitch = check_row_copy(rows, row_bytes, dst);
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(static_cast<std::byte*>(dst.raw()) + r * pitch, static_cast<const std::byte*>(src) + r * row_bytes,
                  static_cast<size_t>(row_bytes));
    }
  }

  Tensor upload_weight(const void* src, ScalarType src_type, std::vector<int64_t> shape) override {
    Tensor t = empty(ScalarType::kF32, std::move(shape));
    const auto* bytes = static_cast<const std::byte*>(src);
    switch (src_type) {
      case ScalarType::kF32: std::memcpy(t.raw(), src, t.nbytes()); break;
      case ScalarType::kBF16: convert_to_f32(DType::kBF16, bytes, t.data<float>(), t.numel()); break;
      case ScalarType::kF16: convert_to_f32(DType::kF16, bytes, t.data<float>(), t.numel()); break;
      default: LLMC_CHECK(false) << "cpu backend: weights must be f32, bf16 or f16, got " << scalar_name(src_type);
    }
    return t;
  }

  void embedding(const Tensor& ids, const Tensor& table, int64_t vocab_begin, Tensor& out) override {
    expect_f32(table, "embedding table");
    k::embedding_lookup(ids.data<int32_t>(), ids.numel(), table.data<float>(), vocab_begin,
                        vocab_begin + table.dim(0), table.dim(1), out.data<float>());
  }

  void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) override {
    const int64_t dim = weight.numel();
    k::rms_norm(x.data<float>(), weight.data<float>(), eps, x.numel() / dim, dim, out.data<float>());
  }

  void add_rms_norm(Tensor& residual, const Tensor& x, const Tensor& weight, float eps, Tensor& out) override {
    const int64_t dim = weight.numel();
    k::add_rms_norm(residual.data<float>(), x.data<float>(), weight.data<float>(), eps, x.numel() / dim, dim,
                    out.data<float>());
  }

  void linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y) override {
    expect_f32(weight, "linear weight");
    const int64_t in = weight.dim(1);
    const int64_t out = weight.dim(0);
    LLMC_CHECK(x.numel() % in == 0 && y.numel() == x.numel() / in * out)
        << "linear: x " << x.describe() << ", weight " << weight.describe() << ", y " << y.describe();
    k::linear(x.data<float>(), weight.data<float>(), bias.defined() ? bias.data<float>() : nullptr, x.numel() / in,
              in, out, y.data<float>());
  }

  void qkv_rope_store(const Tensor& qkv, const Tensor& positions, const Tensor& cos_sin, const Tensor& q_norm,
                      const Tensor& k_norm, float eps, const AttentionMetadata& meta, Tensor& q_out, Tensor& k_cache,
                      Tensor& v_cache) override {
    const int64_t T = qkv.dim(0), Hq = q_out.dim(1), D = q_out.dim(2), Hkv = k_cache.dim(2);
    LLMC_CHECK(qkv.numel() == T * (Hq + 2 * Hkv) * D) << "qkv_rope_store: qkv " << qkv.describe() << " for "
                                                      << Hq << " q heads and " << Hkv << " kv heads of " << D;
    // Split the packed rows into contiguous q, k, v so the float32 kernels run on them unchanged.
    std::vector<float> k(static_cast<size_t>(T * Hkv * D)), v(k.size());
    const float* src = qkv.data<float>();
    float* q = q_out.data<float>();
    const int64_t row = (Hq + 2 * Hkv) * D;
    for (int64_t t = 0; t < T; ++t) {
      std::memcpy(q + t * Hq * D, src + t * row, sizeof(float) * Hq * D);
      std::memcpy(k.data() + t * Hkv * D, src + t * row + Hq * D, sizeof(float) * Hkv * D);
      std::memcpy(v.data() + t * Hkv * D, src + t * row + (Hq + Hkv) * D, sizeof(float) * Hkv * D);
    }
    if (q_norm.defined()) k::rms_norm(q, q_norm.data<float>(), eps, T * Hq, D, q);
    if (k_norm.defined()) k::rms_norm(k.data(), k_norm.data<float>(), eps, T * Hkv, D, k.data());
    const int64_t rotary_dim = cos_sin.dim(1);
    k::apply_rope(q, positions.data<int32_t>(), cos_sin.data<float>(), T, Hq, D, rotary_dim);
    k::apply_rope(k.data(), positions.data<int32_t>(), cos_sin.data<float>(), T, Hkv, D, rotary_dim);
    k::store_kv(k.data(), v.data(), meta.slot_mapping.data<int64_t>(), T, Hkv, D, k_cache.data<float>(),
                v_cache.data<float>());
  }

  void silu_and_mul(const Tensor& gate_up, Tensor& out) override {
    const int64_t dim = out.dim(out.rank() - 1);
    k::silu_and_mul(gate_up.data<float>(), out.numel() / dim, dim, out.data<float>());
  }

  void plan_attention(const AttentionMetadata&, const AttentionShape&) override {}

  void paged_attention(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache, const AttentionMetadata& meta,
                       float scale, int64_t sliding_window, Tensor& out) override {
    k::PagedAttentionArgs a;
    a.q = q.data<float>();
    a.k_cache = k_cache.data<float>();
    a.v_cache = v_cache.data<float>();
    a.query_start = meta.query_start.data<int32_t>();
    a.context_lens = meta.context_lens.data<int32_t>();
    a.block_tables = meta.block_tables.data<int32_t>();
    a.num_seqs = meta.num_seqs;
    a.max_blocks_per_seq = meta.max_blocks_per_seq;
    a.q_heads = q.dim(1);
    a.kv_heads = k_cache.dim(2);
    a.head_dim = q.dim(2);
    a.block_size = k_cache.dim(1);
    a.scale = scale;
    a.sliding_window = sliding_window;
    a.out = out.data<float>();
    k::paged_attention(a);
  }

  void gather_rows(const Tensor& x, const Tensor& indices, Tensor& out) override {
    const int64_t row_bytes = static_cast<int64_t>(x.nbytes()) / x.dim(0);
    const int32_t* idx = indices.data<int32_t>();
    for (int64_t i = 0; i < indices.numel(); ++i) {
      LLMC_CHECK(idx[i] >= 0 && idx[i] < x.dim(0)) << "gather_rows: index " << idx[i] << " outside " << x.describe();
      std::memcpy(static_cast<std::byte*>(out.raw()) + i * row_bytes,
                  static_cast<const std::byte*>(x.raw()) + idx[i] * row_bytes, row_bytes);
    }
  }

  void add(Tensor& a, const Tensor& b) override {
    float* pa = a.data<float>();
    const float* pb = b.data<float>();
    const int64_t n = a.numel();
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; ++i) pa[i] += pb[i];
  }

  void unshard_columns(const Tensor& stacked, int64_t parts, Tensor& out) override {
    const int64_t n = stacked.dim(0) / parts, w = stacked.dim(1);
    const size_t elem = scalar_size(stacked.type());
    LLMC_CHECK(out.dim(0) == n && out.dim(1) == parts * w) << "unshard_columns: " << stacked.describe() << " in "
                                                           << parts << " parts into " << out.describe();
    const auto* src = static_cast<const std::byte*>(stacked.raw());
    auto* dst = static_cast<std::byte*>(out.raw());
    for (int64_t p = 0; p < parts; ++p) {
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(dst + (i * parts * w + p * w) * elem, src + ((p * n + i) * w) * elem, w * elem);
      }
    }
  }

  std::vector<SampleOutput> sample(Tensor& logits, int64_t vocab, std::span<const SampleRow> rows) override {
    expect_f32(logits, "sample logits");
    const int64_t ld = logits.dim(1);
    std::vector<SamplerInput> inputs;
    for (size_t i = 0; i < rows.size(); ++i) {
      SamplerInput in;
      in.logits = std::span<float>(logits.data<float>() + static_cast<int64_t>(i) * ld, static_cast<size_t>(vocab));
      in.prompt_ids = rows[i].prompt_ids;
      in.output_ids = rows[i].output_ids;
      in.params = rows[i].params;
      in.allowed = rows[i].allowed;
      inputs.push_back(in);
    }
    return sample_batch(inputs);
  }

  void synchronize() override {}

 private:
  static Tensor allocate(ScalarType type, std::vector<int64_t> shape, bool zeroed) {
    Tensor probe(nullptr, 0, type, shape, DeviceKind::kCpu);
    const size_t bytes = std::max<size_t>(probe.nbytes(), 64);
    // calloc maps large zeroed regions lazily, so a big KV cache costs memory only as it fills.
    void* p = zeroed ? std::calloc(1, bytes) : std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    LLMC_CHECK(p != nullptr) << "cpu backend: out of memory allocating " << bytes << " bytes for "
                             << probe.describe();
    std::shared_ptr<std::byte> storage(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
    return Tensor(std::move(storage), 0, type, std::move(shape), DeviceKind::kCpu);
  }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace llmc
