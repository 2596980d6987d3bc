// The Llama family: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM (q/k/v bias) and
// Qwen3ForCausalLM (per-head q/k RMSNorm). Pre-norm decoder layers, grouped-query attention with rotary
// embeddings over the paged cache, SwiGLU MLP; tensor parallelism in the Megatron layout (column-parallel
// q/k/v and gate/up, row-parallel o and down followed by an all-reduce, vocab-parallel embedding and head).
#include <cmath>

#include "common/check.h"
#include "engine/model/causal_lm.h"
#include "engine/model/llama_weights.h"
#include "engine/model/rope_table.h"

namespace llmc {
namespace {

class LlamaModel final : public CausalLM {
 public:
  LlamaModel(const ModelConfig& c, const WeightSource& src, const ShardSpec& shard, Backend& b, Communicator& tp,
             int64_t max_model_len)
      : config_(c), shard_(shard), backend_(b), tp_(tp), heads_(split_heads(c, shard.tp_rank, shard.tp_size)),
        vocab_(split_vocab(c.vocab_size, shard.tp_rank, shard.tp_size)),
        weights_(load_llama_weights(c, src, shard, heads_, vocab_, b)) {
    LLMC_CHECK(tp.size() == shard.tp_size) << "tensor-parallel group has " << tp.size() << " ranks, expected "
                                           << shard.tp_size;
    const auto table = model_rope_table(c.rope, c.head_dim, c.dtype, max_model_len);
    cos_sin_ = b.upload_weight(table, {max_model_len, c.head_dim});
  }

  KvCacheShape kv_cache_shape(int64_t block_size) const override {
    KvCacheShape s;
    s.num_layers = shard_.num_local_layers();
    s.block_size = block_size;
    s.kv_heads = heads_.kv_heads;
    s.head_dim = config_.head_dim;
    return s;
  }

  int64_t weight_bytes() const override { return weights_.bytes; }
  int64_t hidden_size() const override { return config_.hidden_size; }

  StageOutput forward(const ForwardBatch& batch, const Tensor& hidden_in, KvCache& cache) override {
    const int64_t T = batch.num_tokens();
    const int64_t H = config_.hidden_size;
    AttentionMetadata meta = upload_metadata(batch);
    Tensor positions = upload_i32(batch.positions);
    Tensor residual;
    if (shard_.first_stage()) {
      residual = backend_.empty(ScalarType::kF32, {T, H});
      Tensor ids = upload_i32(batch.token_ids);
      backend_.embedding(ids, weights_.embed, vocab_.begin, residual);
      tp_.all_reduce_sum(residual);
    } else {
      LLMC_CHECK(hidden_in.defined() && hidden_in.numel() == T * H)
          << "pipeline stage " << shard_.pp_rank << " expected hidden states [" << T << ", " << H << "]";
      residual = hidden_in;  // owned by this pass from here on: updated in place
    }
    Tensor x = backend_.empty(ScalarType::kF32, {T, H});
    Tensor delta;  // the output of the previous sub-layer, still to be added to the residual stream
    for (int64_t l = 0; l < shard_.num_local_layers(); ++l) {
      const LlamaLayerWeights& w = weights_.layers[l];
      if (delta.defined()) {
        backend_.add_rms_norm(residual, delta, w.input_norm, eps(), x);
      } else {
        backend_.rms_norm(residual, w.input_norm, eps(), x);
      }
      Tensor attn = attention(x, positions, meta, cache, l);
      backend_.add_rms_norm(residual, attn, w.post_attention_norm, eps(), x);
      delta = mlp(x, w);
    }
    StageOutput out;
    if (!shard_.last_stage()) {
      if (delta.defined()) backend_.add(residual, delta);
      out.hidden = residual;
      return out;
    }
    backend_.add_rms_norm(residual, delta, weights_.final_norm, eps(), x);
    out.logits = logits(x, batch);
    return out;
  }

 private:
  float eps() const { return static_cast<float>(config_.rms_norm_eps); }

  Tensor upload_i32(const std::vector<int32_t>& v) {
    Tensor t = backend_.empty(ScalarType::kI32, {static_cast<int64_t>(v.size())});
    backend_.copy_from_host(v.data(), t);
    return t;
  }

  AttentionMetadata upload_metadata(const ForwardBatch& batch) {
    AttentionMetadata m;
    m.num_seqs = batch.num_seqs();
    m.max_blocks_per_seq = batch.max_blocks_per_seq;
    m.query_start = upload_i32(batch.query_start);
    m.context_lens = upload_i32(batch.context_lens);
    m.block_tables = upload_i32(batch.block_tables);
    m.slot_mapping = backend_.empty(ScalarType::kI64, {batch.num_tokens()});
    backend_.copy_from_host(batch.slot_mapping.data(), m.slot_mapping);
    for (int32_t len : batch.context_lens) m.max_context_len = std::max<int64_t>(m.max_context_len, len);
    return m;
  }

  // Self-attention of local layer l over the paged cache; returns o_proj's output, all-reduced.
  Tensor attention(const Tensor& x, const Tensor& positions, const AttentionMetadata& meta, KvCache& cache,
                   int64_t l) {
    const LlamaLayerWeights& w = weights_.layers[l];
    const int64_t T = x.dim(0);
    const int64_t D = config_.head_dim;
    Tensor q = backend_.empty(ScalarType::kF32, {T, heads_.q_heads, D});
    Tensor k = backend_.empty(ScalarType::kF32, {T, heads_.kv_heads, D});
    Tensor v = backend_.empty(ScalarType::kF32, {T, heads_.kv_heads, D});
    backend_.linear(x, w.q_proj, w.q_bias, q);
    backend_.linear(x, w.k_proj, w.k_bias, k);
    backend_.linear(x, w.v_proj, w.v_bias, v);
    if (config_.qk_norm) {
      backend_.rms_norm(q, w.q_norm, eps(), q);
      backend_.rms_norm(k, w.k_norm, eps(), k);
    }
    backend_.rope(q, positions, cos_sin_);
    backend_.rope(k, positions, cos_sin_);
    backend_.store_kv(k, v, meta, cache.k(l), cache.v(l));
    Tensor attn = backend_.empty(ScalarType::kF32, {T, heads_.q_heads, D});
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    const int64_t window = config_.layer_sliding_window[shard_.layer_begin + l];
    backend_.paged_attention(q, cache.k(l), cache.v(l), meta, scale, window, attn);
    Tensor out = backend_.empty(ScalarType::kF32, {T, config_.hidden_size});
    backend_.linear(attn.reshape({T, heads_.q_heads * D}), w.o_proj, w.o_bias, out);
    tp_.all_reduce_sum(out);
    return out;
  }

  Tensor mlp(const Tensor& x, const LlamaLayerWeights& w) {
    const int64_t T = x.dim(0);
    const int64_t inter = w.down_proj.dim(1);
    Tensor gate_up = backend_.empty(ScalarType::kF32, {T, 2 * inter});
    backend_.linear(x, w.gate_up_proj, w.gate_up_bias, gate_up);
    Tensor act = backend_.empty(ScalarType::kF32, {T, inter});
    backend_.silu_and_mul(gate_up, act);
    Tensor out = backend_.empty(ScalarType::kF32, {T, config_.hidden_size});
    backend_.linear(act, w.down_proj, w.down_bias, out);
    tp_.all_reduce_sum(out);
    return out;
  }

  // Logits of the requested rows over the whole vocabulary, gathered from the vocab shards.
  std::vector<float> logits(const Tensor& x, const ForwardBatch& batch) {
    const int64_t n = static_cast<int64_t>(batch.logits_indices.size());
    const int64_t V = config_.vocab_size;
    std::vector<float> result(static_cast<size_t>(n * V));
    if (n == 0) return result;
    Tensor rows = backend_.empty(ScalarType::kF32, {n, config_.hidden_size});
    backend_.gather_rows(x, upload_i32(batch.logits_indices), rows);
    const int64_t shard = vocab_.padded_shard;
    Tensor local = backend_.zeros(ScalarType::kF32, {n, shard});
    if (vocab_.end > vocab_.begin) {
      Tensor used = local;
      if (vocab_.end - vocab_.begin < shard) {
        used = backend_.empty(ScalarType::kF32, {n, vocab_.end - vocab_.begin});
      }
      backend_.linear(rows, weights_.lm_head, Tensor(), used);
      if (used.raw() != local.raw()) copy_columns(used, local);
    }
    Tensor all = backend_.empty(ScalarType::kF32, {shard_.tp_size * n, shard});
    tp_.all_gather(local, all);
    std::vector<float> gathered(static_cast<size_t>(all.numel()));
    backend_.copy_to_host(all, gathered.data());
    for (int r = 0; r < shard_.tp_size; ++r) {
      const int64_t begin = r * shard;
      const int64_t width = std::min(V, begin + shard) - begin;
      for (int64_t i = 0; i < n && width > 0; ++i) {
        const float* src = gathered.data() + (r * n + i) * shard;
        std::copy(src, src + width, result.data() + i * V + begin);
      }
    }
    return result;
  }

  // The last vocab shard can be narrower than the others; pad its logits to the common width for the gather.
  void copy_columns(const Tensor& narrow, Tensor& wide) {
    std::vector<float> a(static_cast<size_t>(narrow.numel()));
    std::vector<float> b(static_cast<size_t>(wide.numel()), 0.0f);
    backend_.copy_to_host(narrow, a.data());
    const int64_t n = narrow.dim(0), cn = narrow.dim(1), cw = wide.dim(1);
    for (int64_t i = 0; i < n; ++i) std::copy(a.begin() + i * cn, a.begin() + (i + 1) * cn, b.begin() + i * cw);
    backend_.copy_from_host(b.data(), wide);
  }

  ModelConfig config_;
  ShardSpec shard_;
  Backend& backend_;
  Communicator& tp_;
  HeadSplit heads_;
  VocabSplit vocab_;
  LlamaWeights weights_;
  Tensor cos_sin_;
};

}  // namespace

std::unique_ptr<CausalLM> load_causal_lm(const ModelConfig& config, const WeightSource& weights, const ShardSpec& shard,
                                         Backend& backend, Communicator& tp, int64_t max_model_len) {
  // Every supported architecture is a Llama-family decoder (ModelConfig rejected the others).
  return std::make_unique<LlamaModel>(config, weights, shard, backend, tp, max_model_len);
}

}  // namespace llmc
