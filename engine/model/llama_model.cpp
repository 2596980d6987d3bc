// The Llama family: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM (q/k/v bias) and
// Qwen3ForCausalLM (per-head q/k RMSNorm). Pre-norm decoder layers, grouped-query attention with rotary
// embeddings over the paged cache, SwiGLU MLP; tensor parallelism in the Megatron layout (column-parallel
// q/k/v and gate/up, row-parallel o and down followed by an all-reduce, vocab-parallel embedding and head).
#include <cmath>

#include "common/check.h"
#include "engine/model/causal_lm.h"
#include "engine/model/device_batch.h"
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
    // The rope table stays float32 on every backend: bf16 angles would move rotations by far more than noise.
    cos_sin_ = b.empty(ScalarType::kF32, {max_model_len, c.head_dim});
    b.copy_from_host(table.data(), cos_sin_);
  }

  KvCacheShape kv_cache_shape(int64_t block_size) const override {
    KvCacheShape s;
    s.num_layers = shard_.num_local_layers();
    s.block_size = block_size;
    s.kv_heads = heads_.kv_heads;
    s.head_dim = config_.head_dim;
    s.type = backend_.activation_type();
    return s;
  }

  int64_t weight_bytes() const override { return weights_.bytes; }
  int64_t hidden_size() const override { return config_.hidden_size; }
  int64_t vocab_size() const override { return config_.vocab_size; }

  StageOutput forward(const ForwardBatch& batch, const Tensor& hidden_in, KvCache& cache) override {
    DeviceBatch d = upload_batch(batch, backend_);
    backend_.plan_attention(d.attention, attention_shape(cache.shape().block_size));
    return forward_device(d, hidden_in, cache);
  }

  AttentionShape attention_shape(int64_t block_size) const override {
    return AttentionShape{heads_.q_heads, heads_.kv_heads, config_.head_dim, block_size};
  }

  StageOutput forward_device(const DeviceBatch& d, const Tensor& hidden_in, KvCache& cache) override {
    const int64_t T = d.positions.numel();
    const int64_t H = config_.hidden_size;
    const ScalarType act = backend_.activation_type();
    Tensor residual;
    if (shard_.first_stage()) {
      residual = backend_.scratch(act, {T, H});
      backend_.embedding(d.token_ids, weights_.embed, vocab_.begin, residual);
      tp_.all_reduce_sum(residual);
    } else {
      LLMC_CHECK(hidden_in.defined() && hidden_in.numel() == T * H && hidden_in.type() == act)
          << "pipeline stage " << shard_.pp_rank << " expected hidden states " << scalar_name(act) << "[" << T
          << ", " << H << "], got " << (hidden_in.defined() ? hidden_in.describe() : "none");
      residual = hidden_in;  // owned by this pass from here on: updated in place
    }
    Tensor x = backend_.scratch(act, {T, H});
    Tensor delta;  // the output of the previous sub-layer, still to be added to the residual stream
    for (int64_t l = 0; l < shard_.num_local_layers(); ++l) {
      const LlamaLayerWeights& w = weights_.layers[l];
      if (delta.defined()) {
        backend_.add_rms_norm(residual, delta, w.input_norm, eps(), x);
      } else {
        backend_.rms_norm(residual, w.input_norm, eps(), x);
      }
      Tensor attn = attention(x, d, cache, l);
      backend_.add_rms_norm(residual, attn, w.post_attention_norm, eps(), x);
      delta = mlp(x, w);
    }
    StageOutput out;
    if (!shard_.last_stage()) {
      if (delta.defined()) backend_.add(residual, delta);
      out.hidden = residual;
      return out;
    }
    if (delta.defined()) {
      backend_.add_rms_norm(residual, delta, weights_.final_norm, eps(), x);
    } else {
      backend_.rms_norm(residual, weights_.final_norm, eps(), x);  // a last stage without layers
    }
    out.logits = logits(x, d, d.logits_indices.numel());
    return out;
  }

 private:
  float eps() const { return static_cast<float>(config_.rms_norm_eps); }

  // Self-attention of local layer l over the paged cache; returns o_proj's output, all-reduced.
  Tensor attention(const Tensor& x, const DeviceBatch& d, KvCache& cache, int64_t l) {
    const LlamaLayerWeights& w = weights_.layers[l];
    const int64_t T = x.dim(0);
    const int64_t D = config_.head_dim;
    const ScalarType act = backend_.activation_type();
    Tensor qkv = backend_.scratch(act, {T, (heads_.q_heads + 2 * heads_.kv_heads) * D});
    backend_.linear(x, w.qkv_proj, w.qkv_bias, qkv);
    Tensor q = backend_.scratch(act, {T, heads_.q_heads, D});
    backend_.qkv_rope_store(qkv, d.positions, cos_sin_, w.q_norm, w.k_norm, eps(), d.attention, q, cache.k(l),
                            cache.v(l));
    Tensor attn = backend_.scratch(act, {T, heads_.q_heads, D});
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    const int64_t window = config_.layer_sliding_window[shard_.layer_begin + l];
    backend_.paged_attention(q, cache.k(l), cache.v(l), d.attention, scale, window, attn);
    Tensor out = backend_.scratch(act, {T, config_.hidden_size});
    backend_.linear(attn.reshape({T, heads_.q_heads * D}), w.o_proj, w.o_bias, out);
    tp_.all_reduce_sum(out);
    return out;
  }

  Tensor mlp(const Tensor& x, const LlamaLayerWeights& w) {
    const int64_t T = x.dim(0);
    const int64_t inter = w.down_proj.dim(1);
    const ScalarType act = backend_.activation_type();
    Tensor gate_up = backend_.scratch(act, {T, 2 * inter});
    backend_.linear(x, w.gate_up_proj, w.gate_up_bias, gate_up);
    Tensor a = backend_.scratch(act, {T, inter});
    backend_.silu_and_mul(gate_up, a);
    Tensor out = backend_.scratch(act, {T, config_.hidden_size});
    backend_.linear(a, w.down_proj, w.down_bias, out);
    tp_.all_reduce_sum(out);
    return out;
  }

  // Float32 logits of the requested rows over the whole vocabulary [n, tp * padded shard], on the device. Each
  // shard's lm_head is padded to the common width, so the gathered shards sit side by side in vocab order.
  Tensor logits(const Tensor& x, const DeviceBatch& d, int64_t n) {
    const int64_t shard = vocab_.padded_shard;
    if (n == 0) return backend_.scratch(ScalarType::kF32, {0, shard * shard_.tp_size});
    Tensor rows = backend_.scratch(backend_.activation_type(), {n, config_.hidden_size});
    backend_.gather_rows(x, d.logits_indices, rows);
    Tensor local = backend_.scratch(ScalarType::kF32, {n, shard});
    backend_.linear(rows, weights_.lm_head, Tensor(), local);
    if (shard_.tp_size == 1) return local;
    Tensor all = backend_.scratch(ScalarType::kF32, {shard_.tp_size * n, shard});
    tp_.all_gather(local, all);
    Tensor out = backend_.scratch(ScalarType::kF32, {n, shard_.tp_size * shard});
    backend_.unshard_columns(all, shard_.tp_size, out);
    return out;
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
