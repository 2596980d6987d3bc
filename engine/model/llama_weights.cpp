#include "engine/model/llama_weights.h"

#include <string>

#include "common/check.h"

namespace llmc {
namespace {

// Reads slices of Hugging Face tensors in their stored type and uploads them, counting device bytes. Pieces
// that become one device tensor (q/k/v, gate/up) are concatenated on the host in the stored type.
class ShardLoader {
 public:
  ShardLoader(const WeightSource& source, Backend& backend, int64_t& bytes)
      : source_(source), backend_(backend), bytes_(bytes) {}

  NativeWeight read(const std::string& name, std::vector<int64_t> full, int axis, int64_t begin, int64_t end) {
    return source_.load_native(WeightSlice{name, std::move(full), axis, begin, end});
  }

  Tensor upload(const NativeWeight& w, std::vector<int64_t> shape) {
    Tensor t = backend_.upload_weight(w.data, w.type, std::move(shape));
    bytes_ += static_cast<int64_t>(t.nbytes());
    return t;
  }

  // The pieces one after another (all of one stored type), as one [sum of rows, ...] tensor.
  Tensor concat(const std::vector<NativeWeight>& parts, std::vector<int64_t> shape) {
    NativeWeight all;
    all.type = parts.front().type;
    for (const NativeWeight& p : parts) {
      LLMC_CHECK(p.type == all.type) << "weights fused into one tensor have different types ("
                                     << scalar_name(p.type) << ", " << scalar_name(all.type) << ")";
      all.owned.insert(all.owned.end(), p.data, p.data + p.nbytes);
    }
    all.data = all.owned.data();
    all.nbytes = all.owned.size();
    return upload(all, std::move(shape));
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

  // Rows [begin, end) followed by zero rows up to `padded` rows.
  Tensor padded_rows(const std::string& name, std::vector<int64_t> full, int64_t begin, int64_t end, int64_t padded) {
    NativeWeight w = begin < end ? read(name, full, 0, begin, end) : NativeWeight{};
    if (begin >= end) w.type = ScalarType::kF32;
    NativeWeight zeros;
    zeros.type = w.type;
    zeros.owned.assign(static_cast<size_t>((padded - (end - begin)) * full[1]) * scalar_size(w.type), std::byte{0});
    zeros.data = zeros.owned.data();
    zeros.nbytes = zeros.owned.size();
    return begin < end ? concat({w, zeros}, {padded, full[1]}) : upload(zeros, {padded, full[1]});
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
  // q, k and v become one product: this rank's q rows, then its k rows, then its v rows.
  const std::string a = p + "self_attn.";
  w.qkv_proj = ld.concat({ld.read(a + "q_proj.weight", {c.num_heads * D, H}, 0, q0, q1),
                          ld.read(a + "k_proj.weight", {c.num_kv_heads * D, H}, 0, kv0, kv1),
                          ld.read(a + "v_proj.weight", {c.num_kv_heads * D, H}, 0, kv0, kv1)},
                         {(q1 - q0) + 2 * (kv1 - kv0), H});
  if (c.qkv_bias) {
    w.qkv_bias = ld.concat({ld.read(a + "q_proj.bias", {c.num_heads * D}, 0, q0, q1),
                            ld.read(a + "k_proj.bias", {c.num_kv_heads * D}, 0, kv0, kv1),
                            ld.read(a + "v_proj.bias", {c.num_kv_heads * D}, 0, kv0, kv1)},
                           {(q1 - q0) + 2 * (kv1 - kv0)});
  }
  if (c.qk_norm) {
    w.q_norm = ld.whole(p + "self_attn.q_norm.weight", {D});
    w.k_norm = ld.whole(p + "self_attn.k_norm.weight", {D});
  }
  w.o_proj = ld.cols(p + "self_attn.o_proj.weight", {H, c.num_heads * D}, q0, q1);
  if (c.o_bias && rank0) w.o_bias = ld.whole(p + "self_attn.o_proj.bias", {H});
  // gate and up become one product: this rank's gate rows followed by its up rows.
  const std::string m = p + "mlp.";
  w.gate_up_proj = ld.concat({ld.read(m + "gate_proj.weight", {I, H}, 0, i0, i1),
                              ld.read(m + "up_proj.weight", {I, H}, 0, i0, i1)},
                             {2 * (i1 - i0), H});
  if (c.mlp_bias) {
    w.gate_up_bias = ld.concat({ld.read(m + "gate_proj.bias", {I}, 0, i0, i1),
                                ld.read(m + "up_proj.bias", {I}, 0, i0, i1)},
                               {2 * (i1 - i0)});
    if (rank0) w.down_bias = ld.whole(m + "down_proj.bias", {H});
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
  if (shard.first_stage() && !has_rows) w.embed = backend.zeros(backend.activation_type(), {0, H});
  for (int64_t l = shard.layer_begin; l < shard.layer_end; ++l) w.layers.push_back(load_layer(ld, c, l, shard, heads));
  if (shard.last_stage()) {
    w.final_norm = ld.whole("model.norm.weight", {H});
    const std::string head = c.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight";
    const int64_t rows = vocab.end - vocab.begin;
    if (rows == vocab.padded_shard && c.tie_word_embeddings && shard.first_stage()) {
      w.lm_head = w.embed;
    } else if (rows == vocab.padded_shard) {
      w.lm_head = ld.rows(head, {V, H}, vocab.begin, vocab.end);
    } else {
      // The last shard is narrower than the others (or empty): zero rows pad it to the common width, so every
      // rank's logits have one shape for the all-gather; the padding columns are never read.
      w.lm_head = ld.padded_rows(head, {V, H}, vocab.begin, vocab.end, vocab.padded_shard);
    }
  }
  return w;
}

}  // namespace llmc
