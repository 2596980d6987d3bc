#include "engine/model/llama_weights.h"

#include <string>

#include "common/check.h"

namespace llmc {
namespace {

// Reads slices of Hugging Face tensors and uploads them, counting bytes.
class ShardLoader {
 public:
  ShardLoader(const WeightSource& source, Backend& backend, int64_t& bytes)
      : source_(source), backend_(backend), bytes_(bytes) {}

  std::vector<float> read(const std::string& name, std::vector<int64_t> full, int axis, int64_t begin, int64_t end) {
    return source_.load(WeightSlice{name, std::move(full), axis, begin, end});
  }

  Tensor upload(const std::vector<float>& values, std::vector<int64_t> shape) {
    bytes_ += static_cast<int64_t>(values.size() * sizeof(float));
    return backend_.upload_weight(values, std::move(shape));
  }

  Tensor whole(const std::string& name, std::vector<int64_t> shape) {
    return upload(read(name, shape, -1, 0, 0), shape);
  }

  // Rows [begin, end) of a [rows, cols] (or [rows]) tensor.
  Tensor rows(const std::string& name, std::vector<int64_t> full, int64_t begin, int64_t end) {
    std::vector<int64_t> shape = full;
    shape[0] = end - begin;
    return upload(read(name, full, 0, begin, end), shape);
  }

  Tensor cols(const std::string& name, std::vector<int64_t> full, int64_t begin, int64_t end) {
    return upload(read(name, full, 1, begin, end), {full[0], end - begin});
  }

 private:
  const WeightSource& source_;
  Backend& backend_;
  int64_t& bytes_;
};

LlamaLayerWeights load_layer(ShardLoader& ld, const ModelConfig& c, int64_t layer, const ShardSpec& shard,
                             const HeadSplit& heads) {
  const std::string p = "model.layers." + std::to_string(layer) + ".";
  const int64_t H = c.hidden_size, D = c.head_dim, I = c.intermediate_size;
  const int64_t q0 = heads.q_head_begin * D, q1 = q0 + heads.q_heads * D;
  const int64_t kv0 = heads.kv_head_begin * D, kv1 = kv0 + heads.kv_heads * D;
  const int64_t i0 = shard.tp_rank * (I / shard.tp_size), i1 = i0 + I / shard.tp_size;
  const bool rank0 = shard.tp_rank == 0;
  LlamaLayerWeights w;
  w.input_norm = ld.whole(p + "input_layernorm.weight", {H});
  w.post_attention_norm = ld.whole(p + "post_attention_layernorm.weight", {H});
  w.q_proj = ld.rows(p + "self_attn.q_proj.weight", {c.num_heads * D, H}, q0, q1);
  w.k_proj = ld.rows(p + "self_attn.k_proj.weight", {c.num_kv_heads * D, H}, kv0, kv1);
  w.v_proj = ld.rows(p + "self_attn.v_proj.weight", {c.num_kv_heads * D, H}, kv0, kv1);
  if (c.qkv_bias) {
    w.q_bias = ld.rows(p + "self_attn.q_proj.bias", {c.num_heads * D}, q0, q1);
    w.k_bias = ld.rows(p + "self_attn.k_proj.bias", {c.num_kv_heads * D}, kv0, kv1);
    w.v_bias = ld.rows(p + "self_attn.v_proj.bias", {c.num_kv_heads * D}, kv0, kv1);
  }
  if (c.qk_norm) {
    w.q_norm = ld.whole(p + "self_attn.q_norm.weight", {D});
    w.k_norm = ld.whole(p + "self_attn.k_norm.weight", {D});
  }
  w.o_proj = ld.cols(p + "self_attn.o_proj.weight", {H, c.num_heads * D}, q0, q1);
  if (c.o_bias && rank0) w.o_bias = ld.whole(p + "self_attn.o_proj.bias", {H});
  // gate and up become one product: this rank's gate rows followed by its up rows.
  std::vector<float> gate_up = ld.read(p + "mlp.gate_proj.weight", {I, H}, 0, i0, i1);
  std::vector<float> up = ld.read(p + "mlp.up_proj.weight", {I, H}, 0, i0, i1);
  gate_up.insert(gate_up.end(), up.begin(), up.end());
  w.gate_up_proj = ld.upload(gate_up, {2 * (i1 - i0), H});
  if (c.mlp_bias) {
    std::vector<float> b = ld.read(p + "mlp.gate_proj.bias", {I}, 0, i0, i1);
    std::vector<float> ub = ld.read(p + "mlp.up_proj.bias", {I}, 0, i0, i1);
    b.insert(b.end(), ub.begin(), ub.end());
    w.gate_up_bias = ld.upload(b, {2 * (i1 - i0)});
    if (rank0) w.down_bias = ld.whole(p + "mlp.down_proj.bias", {H});
  }
  w.down_proj = ld.cols(p + "mlp.down_proj.weight", {H, I}, i0, i1);
  return w;
}

}  // namespace

LlamaWeights load_llama_weights(const ModelConfig& c, const WeightSource& source, const ShardSpec& shard,
                                const HeadSplit& heads, const VocabSplit& vocab, Backend& backend) {
  LlamaWeights w;
  ShardLoader ld(source, backend, w.bytes);
  const int64_t H = c.hidden_size, V = c.vocab_size;
  const bool has_rows = vocab.end > vocab.begin;
  if (shard.first_stage() && has_rows) w.embed = ld.rows("model.embed_tokens.weight", {V, H}, vocab.begin, vocab.end);
  if (shard.first_stage() && !has_rows) w.embed = backend.zeros(ScalarType::kF32, {0, H});
  for (int64_t l = shard.layer_begin; l < shard.layer_end; ++l) w.layers.push_back(load_layer(ld, c, l, shard, heads));
  if (shard.last_stage()) {
    w.final_norm = ld.whole("model.norm.weight", {H});
    if (has_rows) {
      if (c.tie_word_embeddings) {
        w.lm_head = shard.first_stage() ? w.embed : ld.rows("model.embed_tokens.weight", {V, H}, vocab.begin, vocab.end);
      } else {
        w.lm_head = ld.rows("lm_head.weight", {V, H}, vocab.begin, vocab.end);
      }
    }
  }
  return w;
}

}  // namespace llmc
