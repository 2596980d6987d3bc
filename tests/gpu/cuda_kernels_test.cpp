// The CUDA kernels (kernels/cuda) against double-precision host references and, in float32, against the CPU
// kernels on the same inputs. Sizes are deliberately awkward (1, 3, 17, 99, 1000 rows; dims that defeat the
// 16-byte paths); outputs are poisoned with NaN before each run so an element a kernel skips shows up.
// Paged attention has its own file (cuda_attention_test.cpp). Every test skips where there is no GPU.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "kernels/cpu/activation.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/paged_attention.h"
#include "kernels/cpu/rope.h"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/embedding.cuh"
#include "kernels/cuda/gemm.cuh"
#include "kernels/cuda/qkv_rope_store.cuh"
#include "kernels/cuda/rms_norm.cuh"
#include "kernels/cuda/silu_and_mul.cuh"
#include "tests/gpu/cuda_test_util.h"

namespace llmc::cuda_test {
namespace {

namespace kc = kernels::cuda;
namespace cpu = kernels::cpu;

const std::vector<int64_t> kRows{1, 3, 17, 99, 1000};

std::vector<double> to_double(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

using CudaEmbeddingTest = CudaTest;

TEST_F(CudaEmbeddingTest, CopiesOwnRowsAndZeroesOthers) {
  std::mt19937 rng(1);
  const int64_t vocab_begin = 100, vocab_rows = 50;
  for (DType type : all_types()) {
    for (int64_t hidden : {1, 3, 32, 36, 128, 4096}) {
      const HostArray table = random_array(type, vocab_rows * hidden, rng);
      DeviceBuffer d_table(table);
      for (int64_t tokens : kRows) {
        SCOPED_TRACE(std::string(name(type)) + " hidden=" + std::to_string(hidden) + " tokens=" + std::to_string(tokens));
        std::vector<int32_t> ids(tokens);
        std::uniform_int_distribution<int32_t> id_dist(80, 169);  // some below, some above this rank's rows
        for (auto& id : ids) id = id_dist(rng);
        DeviceBuffer d_ids(ids);
        DeviceBuffer d_out(tokens * hidden * kc::dtype_size(type));
        d_out.poison();
        kc::embedding(d_ids.as<int32_t>(), tokens, d_table.get(), vocab_begin, vocab_rows, hidden, d_out.get(), type,
                      stream_);
        const HostArray out = d_out.download(type, tokens * hidden);
        int64_t mismatches = 0;
        for (int64_t t = 0; t < tokens; ++t) {
          const int64_t local = ids[t] - vocab_begin;
          const bool own = local >= 0 && local < vocab_rows;
          for (int64_t i = 0; i < hidden; ++i) {
            const double want = own ? table.get(local * hidden + i) : 0.0;
            mismatches += out.get(t * hidden + i) == want ? 0 : 1;
          }
        }
        EXPECT_EQ(mismatches, 0);
        if (type == DType::kF32) {
          std::vector<float> cpu_out(tokens * hidden);
          cpu::embedding_lookup(ids.data(), tokens, table.floats().data(), vocab_begin, vocab_begin + vocab_rows,
                                hidden, cpu_out.data());
          EXPECT_EQ(out.floats(), cpu_out);
        }
      }
    }
  }
}

// Reference RMSNorm of one row as transformers computes it in `type`.
void reference_rms_norm(const std::vector<double>& x, const std::vector<double>& w, double eps, int64_t rows,
                        int64_t dim, DType type, std::vector<double>& out) {
  out.resize(rows * dim);
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0.0;
    for (int64_t i = 0; i < dim; ++i) ss += x[r * dim + i] * x[r * dim + i];
    const double inv = 1.0 / std::sqrt(ss / dim + eps);
    for (int64_t i = 0; i < dim; ++i) {
      out[r * dim + i] = round_to(type, w[i] * round_to(type, x[r * dim + i] * inv));
    }
  }
}

using CudaRmsNormTest = CudaTest;

TEST_F(CudaRmsNormTest, MatchesReference) {
  std::mt19937 rng(2);
  const float eps = 1e-6f;
  for (DType type : all_types()) {
    for (int64_t dim : {16, 32, 100, 128, 4096, 4098}) {
      const HostArray w = random_array(type, dim, rng, 0.5, 1.5);
      DeviceBuffer d_w(w);
      for (int64_t rows : kRows) {
        SCOPED_TRACE(std::string(name(type)) + " dim=" + std::to_string(dim) + " rows=" + std::to_string(rows));
        const HostArray x = random_array(type, rows * dim, rng, -2.0, 2.0);
        DeviceBuffer d_x(x), d_out(x.bytes());
        d_out.poison();
        kc::rms_norm(d_x.get(), d_w.get(), eps, rows, dim, d_out.get(), type, stream_);
        const std::vector<double> out = d_out.download(type, rows * dim).values();
        std::vector<double> ref;
        reference_rms_norm(x.values(), w.values(), eps, rows, dim, type, ref);
        EXPECT_LE(rel_error(out, ref), tolerance(type));
        if (type == DType::kF32) {
          std::vector<float> cpu_out(rows * dim);
          cpu::rms_norm(x.floats().data(), w.floats().data(), eps, rows, dim, cpu_out.data());
          EXPECT_LE(rel_error(out, to_double(cpu_out)), 1e-5);
        }
      }
    }
  }
}

TEST_F(CudaRmsNormTest, InPlace) {
  std::mt19937 rng(3);
  for (DType type : all_types()) {
    const int64_t rows = 17, dim = 128;
    const HostArray w = random_array(type, dim, rng, 0.5, 1.5);
    const HostArray x = random_array(type, rows * dim, rng);
    DeviceBuffer d_w(w), d_x(x);
    kc::rms_norm(d_x.get(), d_w.get(), 1e-5f, rows, dim, d_x.get(), type, stream_);
    std::vector<double> ref;
    reference_rms_norm(x.values(), w.values(), 1e-5, rows, dim, type, ref);
    EXPECT_LE(rel_error(d_x.download(type, rows * dim).values(), ref), tolerance(type)) << name(type);
  }
}

TEST_F(CudaRmsNormTest, AddRmsNormUpdatesResidualAndNormalizes) {
  std::mt19937 rng(4);
  const float eps = 1e-5f;
  for (DType type : all_types()) {
    for (int64_t dim : {16, 32, 100, 128, 4096}) {
      const HostArray w = random_array(type, dim, rng, 0.5, 1.5);
      DeviceBuffer d_w(w);
      for (int64_t rows : kRows) {
        SCOPED_TRACE(std::string(name(type)) + " dim=" + std::to_string(dim) + " rows=" + std::to_string(rows));
        const HostArray residual = random_array(type, rows * dim, rng, -2.0, 2.0);
        const HostArray x = random_array(type, rows * dim, rng);
        DeviceBuffer d_res(residual), d_x(x), d_out(x.bytes());
        d_out.poison();
        kc::add_rms_norm(d_res.get(), d_x.get(), d_w.get(), eps, rows, dim, d_out.get(), type, stream_);
        std::vector<double> sum(rows * dim);
        for (int64_t i = 0; i < rows * dim; ++i) sum[i] = round_to(type, residual.get(i) + x.get(i));
        std::vector<double> ref;
        reference_rms_norm(sum, w.values(), eps, rows, dim, type, ref);
        const std::vector<double> new_res = d_res.download(type, rows * dim).values();
        const std::vector<double> out = d_out.download(type, rows * dim).values();
        EXPECT_LE(rel_error(new_res, sum), tolerance(type) / 4);
        EXPECT_LE(rel_error(out, ref), tolerance(type));
        if (type == DType::kF32) {
          std::vector<float> cpu_res = residual.floats(), cpu_out(rows * dim);
          cpu::add_rms_norm(cpu_res.data(), x.floats().data(), w.floats().data(), eps, rows, dim, cpu_out.data());
          EXPECT_LE(rel_error(new_res, to_double(cpu_res)), 1e-6);
          EXPECT_LE(rel_error(out, to_double(cpu_out)), 1e-5);
        }
      }
    }
  }
}

using CudaSiluAndMulTest = CudaTest;

TEST_F(CudaSiluAndMulTest, MatchesReference) {
  std::mt19937 rng(5);
  for (DType type : all_types()) {
    for (int64_t inter : {13, 16, 100, 4096}) {
      for (int64_t rows : kRows) {
        SCOPED_TRACE(std::string(name(type)) + " inter=" + std::to_string(inter) + " rows=" + std::to_string(rows));
        const HostArray gu = random_array(type, rows * 2 * inter, rng, -6.0, 6.0);
        DeviceBuffer d_gu(gu), d_out(rows * inter * kc::dtype_size(type));
        d_out.poison();
        kc::silu_and_mul(d_gu.get(), rows, inter, d_out.get(), type, stream_);
        const std::vector<double> out = d_out.download(type, rows * inter).values();
        std::vector<double> ref(rows * inter);
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t i = 0; i < inter; ++i) {
            const double g = gu.get(r * 2 * inter + i), u = gu.get(r * 2 * inter + inter + i);
            ref[r * inter + i] = round_to(type, g / (1.0 + std::exp(-g)) * u);
          }
        }
        EXPECT_LE(rel_error(out, ref), tolerance(type));
        if (type == DType::kF32) {
          std::vector<float> cpu_out(rows * inter);
          cpu::silu_and_mul(gu.floats().data(), rows, inter, cpu_out.data());
          EXPECT_LE(rel_error(out, to_double(cpu_out)), 1e-5);
        }
      }
    }
  }
}

using CudaElementwiseTest = CudaTest;

TEST_F(CudaElementwiseTest, AddInplace) {
  std::mt19937 rng(6);
  for (DType type : all_types()) {
    for (int64_t n : {1, 7, 1000, 100003}) {
      SCOPED_TRACE(std::string(name(type)) + " n=" + std::to_string(n));
      const HostArray a = random_array(type, n, rng), b = random_array(type, n, rng);
      DeviceBuffer d_a(a), d_b(b);
      kc::add_inplace(d_a.get(), d_b.get(), n, type, stream_);
      const HostArray out = d_a.download(type, n);
      int64_t mismatches = 0;
      for (int64_t i = 0; i < n; ++i) mismatches += out.get(i) == round_to(type, a.get(i) + b.get(i)) ? 0 : 1;
      EXPECT_EQ(mismatches, 0);
    }
  }
}

TEST_F(CudaElementwiseTest, ConvertRoundsToNearestEven) {
  std::mt19937 rng(7);
  for (DType from : all_types()) {
    for (DType to : all_types()) {
      for (int64_t n : {1, 1000, 4097}) {
        SCOPED_TRACE(std::string(name(from)) + "->" + name(to) + " n=" + std::to_string(n));
        const HostArray in = random_array(from, n, rng, -300.0, 300.0);
        DeviceBuffer d_in(in), d_out(n * kc::dtype_size(to));
        d_out.poison();
        kc::convert(d_in.get(), from, d_out.get(), to, n, stream_);
        const HostArray out = d_out.download(to, n);
        int64_t mismatches = 0;
        for (int64_t i = 0; i < n; ++i) mismatches += out.get(i) == round_to(to, in.get(i)) ? 0 : 1;
        EXPECT_EQ(mismatches, 0);
      }
    }
  }
}

TEST_F(CudaElementwiseTest, GatherRows) {
  std::mt19937 rng(8);
  const int64_t src_rows = 1500;
  for (int64_t row_bytes : {1, 2, 6, 16, 24, 256, 8192}) {
    std::vector<uint8_t> src(src_rows * row_bytes);
    for (auto& b : src) b = static_cast<uint8_t>(rng());
    DeviceBuffer d_src(src);
    for (int64_t count : kRows) {
      SCOPED_TRACE("row_bytes=" + std::to_string(row_bytes) + " count=" + std::to_string(count));
      std::vector<int32_t> idx(count);
      std::uniform_int_distribution<int32_t> dist(0, src_rows - 1);
      for (auto& i : idx) i = dist(rng);
      DeviceBuffer d_idx(idx), d_out(count * row_bytes);
      d_out.poison();
      kc::gather_rows(d_src.get(), d_idx.as<int32_t>(), count, row_bytes, d_out.get(), stream_);
      const auto out = d_out.download_vector<uint8_t>(count * row_bytes);
      int64_t mismatches = 0;
      for (int64_t r = 0; r < count; ++r) {
        mismatches += std::memcmp(out.data() + r * row_bytes, src.data() + idx[r] * row_bytes, row_bytes) == 0 ? 0 : 1;
      }
      EXPECT_EQ(mismatches, 0);
    }
  }
}

// cos/sin table as the engine builds it: row p = cos(p * f_i) for i < D/2, then sin(p * f_i).
std::vector<float> rope_table(int64_t max_pos, int64_t dim) {
  std::vector<float> t(max_pos * dim);
  for (int64_t p = 0; p < max_pos; ++p) {
    for (int64_t i = 0; i < dim / 2; ++i) {
      const double f = std::pow(10000.0, -2.0 * i / dim);
      t[p * dim + i] = static_cast<float>(std::cos(p * f));
      t[p * dim + dim / 2 + i] = static_cast<float>(std::sin(p * f));
    }
  }
  return t;
}

using CudaQkvRopeStoreTest = CudaTest;

TEST_F(CudaQkvRopeStoreTest, NormRotateAndStore) {
  std::mt19937 rng(9);
  const int64_t max_pos = 4096, block_size = 16;
  const float eps = 1e-6f;
  struct Heads {
    int64_t q, kv;
  };
  for (DType type : all_types()) {
    for (int64_t dim : {16, 32, 64, 128, 256}) {
      const std::vector<float> table = rope_table(max_pos, dim);
      DeviceBuffer d_table(table);
      for (Heads heads : {Heads{4, 4}, Heads{8, 2}, Heads{8, 1}}) {
        for (bool norm : {false, true}) {
          for (int64_t tokens : {1, 3, 17, 99}) {
            SCOPED_TRACE(std::string(name(type)) + " dim=" + std::to_string(dim) + " heads=" + std::to_string(heads.q) +
                         "/" + std::to_string(heads.kv) + " norm=" + std::to_string(norm) +
                         " tokens=" + std::to_string(tokens));
            const int64_t width = (heads.q + 2 * heads.kv) * dim;
            const HostArray qkv = random_array(type, tokens * width, rng, -2.0, 2.0);
            const HostArray q_norm = random_array(type, dim, rng, 0.5, 1.5), k_norm = random_array(type, dim, rng, 0.5, 1.5);
            std::vector<int32_t> positions(tokens);
            std::uniform_int_distribution<int32_t> pos_dist(0, max_pos - 1);
            for (auto& p : positions) p = pos_dist(rng);
            // Scattered slots, every fifth token a padding token (slot -1).
            const int64_t num_slots = ((tokens + 8) / block_size + 2) * block_size;
            std::vector<int64_t> perm(num_slots);
            std::iota(perm.begin(), perm.end(), 0);
            std::shuffle(perm.begin(), perm.end(), rng);
            std::vector<int64_t> slots(tokens);
            for (int64_t t = 0; t < tokens; ++t) slots[t] = (t % 5 == 4) ? -1 : perm[t];
            DeviceBuffer d_qkv(qkv), d_pos(positions), d_slots(slots), d_qn(q_norm), d_kn(k_norm);
            const int64_t esize = kc::dtype_size(type);
            DeviceBuffer d_q(tokens * heads.q * dim * esize), d_k(num_slots * heads.kv * dim * esize),
                d_v(num_slots * heads.kv * dim * esize);
            d_q.poison();
            d_k.poison();
            d_v.poison();
            kc::QkvRopeStoreArgs args;
            args.qkv = d_qkv.get();
            args.positions = d_pos.as<int32_t>();
            args.cos_sin = d_table.as<float>();
            args.q_norm = norm ? d_qn.get() : nullptr;
            args.k_norm = norm ? d_kn.get() : nullptr;
            args.eps = eps;
            args.slot_mapping = d_slots.as<int64_t>();
            args.q_out = d_q.get();
            args.k_cache = d_k.get();
            args.v_cache = d_v.get();
            args.tokens = tokens;
            args.q_heads = heads.q;
            args.kv_heads = heads.kv;
            args.head_dim = dim;
            args.type = type;
            kc::qkv_rope_store(args, stream_);

            // Reference: per head, the optional RMSNorm (rounded as rms_norm), then the rotation, rounded once.
            const auto rotate = [&](int64_t t, int64_t head, const HostArray* w, std::vector<double>& out) {
              std::vector<double> x(dim);
              for (int64_t i = 0; i < dim; ++i) x[i] = qkv.get(t * width + head * dim + i);
              if (w != nullptr) {
                std::vector<double> normed;
                reference_rms_norm(x, w->values(), eps, 1, dim, type, normed);
                x = normed;
              }
              out.resize(dim);
              const float* cs = table.data() + positions[t] * dim;
              for (int64_t i = 0; i < dim / 2; ++i) {
                out[i] = round_to(type, x[i] * cs[i] - x[i + dim / 2] * cs[dim / 2 + i]);
                out[i + dim / 2] = round_to(type, x[i + dim / 2] * cs[i] + x[i] * cs[dim / 2 + i]);
              }
            };
            std::vector<double> q_ref(tokens * heads.q * dim), k_ref, k_got, v_ref, v_got, tmp;
            for (int64_t t = 0; t < tokens; ++t) {
              for (int64_t h = 0; h < heads.q; ++h) {
                rotate(t, h, norm ? &q_norm : nullptr, tmp);
                std::copy(tmp.begin(), tmp.end(), q_ref.begin() + (t * heads.q + h) * dim);
              }
            }
            const std::vector<double> q_out = d_q.download(type, tokens * heads.q * dim).values();
            EXPECT_LE(rel_error(q_out, q_ref), tolerance(type));
            const std::vector<double> k_cache = d_k.download(type, num_slots * heads.kv * dim).values();
            const std::vector<double> v_cache = d_v.download(type, num_slots * heads.kv * dim).values();
            std::vector<bool> written(num_slots, false);
            for (int64_t t = 0; t < tokens; ++t) {
              if (slots[t] < 0) continue;
              written[slots[t]] = true;
              for (int64_t h = 0; h < heads.kv; ++h) {
                rotate(t, heads.q + h, norm ? &k_norm : nullptr, tmp);
                const int64_t base = (slots[t] * heads.kv + h) * dim;
                for (int64_t i = 0; i < dim; ++i) {
                  k_ref.push_back(tmp[i]);
                  k_got.push_back(k_cache[base + i]);
                  v_ref.push_back(qkv.get(t * width + (heads.q + heads.kv + h) * dim + i));
                  v_got.push_back(v_cache[base + i]);
                }
              }
            }
            EXPECT_LE(rel_error(k_got, k_ref), tolerance(type));
            EXPECT_EQ(v_got, v_ref);
            int64_t touched = 0;  // slots no token maps to must keep their poison
            for (int64_t s = 0; s < num_slots; ++s) {
              if (written[s]) continue;
              for (int64_t i = 0; i < heads.kv * dim; ++i) {
                touched += std::isnan(k_cache[s * heads.kv * dim + i]) && std::isnan(v_cache[s * heads.kv * dim + i]) ? 0 : 1;
              }
            }
            EXPECT_EQ(touched, 0);

            if (type == DType::kF32) {  // the CPU backend's path: rms_norm per head, apply_rope, store_kv
              std::vector<float> q(tokens * heads.q * dim), k(tokens * heads.kv * dim), v(tokens * heads.kv * dim);
              const std::vector<float> f = qkv.floats();
              for (int64_t t = 0; t < tokens; ++t) {
                std::copy_n(f.begin() + t * width, heads.q * dim, q.begin() + t * heads.q * dim);
                std::copy_n(f.begin() + t * width + heads.q * dim, heads.kv * dim, k.begin() + t * heads.kv * dim);
                std::copy_n(f.begin() + t * width + (heads.q + heads.kv) * dim, heads.kv * dim, v.begin() + t * heads.kv * dim);
              }
              if (norm) {
                cpu::rms_norm(q.data(), q_norm.floats().data(), eps, tokens * heads.q, dim, q.data());
                cpu::rms_norm(k.data(), k_norm.floats().data(), eps, tokens * heads.kv, dim, k.data());
              }
              cpu::apply_rope(q.data(), positions.data(), table.data(), tokens, heads.q, dim, dim);
              cpu::apply_rope(k.data(), positions.data(), table.data(), tokens, heads.kv, dim, dim);
              std::vector<float> kc_cpu(num_slots * heads.kv * dim, 0.0f), vc_cpu(num_slots * heads.kv * dim, 0.0f);
              cpu::store_kv(k.data(), v.data(), slots.data(), tokens, heads.kv, dim, kc_cpu.data(), vc_cpu.data());
              EXPECT_LE(rel_error(q_out, to_double(q)), 1e-5);
              std::vector<double> k_cpu_written, k_gpu_written;
              for (int64_t s = 0; s < num_slots; ++s) {
                if (!written[s]) continue;
                for (int64_t i = 0; i < heads.kv * dim; ++i) {
                  k_cpu_written.push_back(kc_cpu[s * heads.kv * dim + i]);
                  k_gpu_written.push_back(k_cache[s * heads.kv * dim + i]);
                }
              }
              EXPECT_LE(rel_error(k_gpu_written, k_cpu_written), 1e-5);
            }
          }
        }
      }
    }
  }
}

using CudaGemmTest = CudaTest;

TEST_F(CudaGemmTest, LinearMatchesReference) {
  std::mt19937 rng(10);
  auto gemm = kc::Gemm::create();
  struct Types {
    DType in, out;
  };
  struct Shape {
    int64_t in, out;
  };
  for (Types types : {Types{DType::kBF16, DType::kBF16}, Types{DType::kBF16, DType::kF32},
                      Types{DType::kF32, DType::kF32}, Types{DType::kF16, DType::kF16}}) {
    for (Shape shape : {Shape{128, 512}, Shape{4096, 6144}}) {
      const HostArray w = random_array(types.in, shape.out * shape.in, rng);
      const HostArray bias = random_array(types.in, shape.out, rng);
      DeviceBuffer d_w(w), d_bias(bias);
      const std::vector<double> wv = w.values(), bv = bias.values();
      for (int64_t rows : kRows) {
        const HostArray x = random_array(types.in, rows * shape.in, rng);
        const std::vector<double> xv = x.values();
        DeviceBuffer d_x(x), d_y(rows * shape.out * kc::dtype_size(types.out));
        for (bool with_bias : {false, true}) {
          SCOPED_TRACE(std::string(name(types.in)) + "->" + name(types.out) + " " + std::to_string(rows) + "x" +
                       std::to_string(shape.in) + "->" + std::to_string(shape.out) + (with_bias ? " bias" : ""));
          d_y.poison();
          gemm->linear(d_x.get(), d_w.get(), with_bias ? d_bias.get() : nullptr, d_y.get(), rows, shape.in, shape.out,
                       types.in, types.out, stream_);
          const std::vector<double> y = d_y.download(types.out, rows * shape.out).values();
          EXPECT_EQ(count_non_finite(y), 0);
          // The reference on a sample of rows (all of them when few): first, last and some in between.
          std::vector<int64_t> sample;
          for (int64_t r = 0; r < rows; r += std::max<int64_t>(1, rows / 12)) sample.push_back(r);
          if (sample.back() != rows - 1) sample.push_back(rows - 1);
          std::vector<double> got, ref;
          for (int64_t r : sample) {
            for (int64_t o = 0; o < shape.out; ++o) {
              double acc = with_bias ? bv[o] : 0.0;
              const double* xr = xv.data() + r * shape.in;
              const double* wr = wv.data() + o * shape.in;
              for (int64_t i = 0; i < shape.in; ++i) acc += xr[i] * wr[i];
              ref.push_back(round_to(types.out, acc));
              got.push_back(y[r * shape.out + o]);
            }
          }
          EXPECT_LE(rel_error(got, ref), tolerance(types.out));
        }
      }
    }
  }
}

}  // namespace
}  // namespace llmc::cuda_test
