// Rotary embedding frequencies and the cos/sin table the kernels read, computed as Hugging Face transformers
// computes them (float32 inverse frequencies, angle = float32(position * inv_freq)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/model_config.h"

namespace llmc {

// inv_freq[i] for i < head_dim / 2, after the config's scaling (default, linear, dynamic, llama3).
// `seq_len` only matters for dynamic NTK scaling: the sequence length the frequencies serve (transformers'
// `seq_len`; at most original_max_position_embeddings means unscaled).
std::vector<float> rope_inverse_frequencies(const RopeConfig& rope, int64_t head_dim, int64_t seq_len);

// transformers keeps inv_freq as a module buffer, so a model materialized in its checkpoint dtype (bf16/fp16)
// and computed in float32 carries frequencies rounded to that dtype; the reference outputs we match are
// computed that way, and at position p the rounding moves angles by up to p * 2^-9 radians, far more than the
// 1e-4 logit tolerance allows. This rounds inv_freq as that buffer holds it ("float32": unchanged).
void round_rope_frequencies(std::vector<float>& inv_freq, const std::string& dtype);

// [positions, head_dim]: row p = cos(p * inv_freq) (head_dim / 2 values) then sin(p * inv_freq).
std::vector<float> rope_cos_sin_table(const std::vector<float>& inv_freq, int64_t positions);

// The model's table: its rope config's frequencies, rounded as its checkpoint dtype holds them. Dynamic NTK
// follows transformers: positions below original_max_position_embeddings use the unscaled frequencies, and a
// token at position p beyond it uses the frequencies for seq_len = p + 1 (what transformers uses when it
// generates that token; its cache keeps each key rotated as it was then). So it matches transformers exactly
// for any prompt within the original context, generation past it included, where vLLM's fixed base does not.
std::vector<float> model_rope_table(const RopeConfig& rope, int64_t head_dim, const std::string& dtype,
                                    int64_t positions);

}  // namespace llmc
