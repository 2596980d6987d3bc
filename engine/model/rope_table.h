// Rotary embedding frequencies and the cos/sin table the kernels read, computed as Hugging Face transformers
// computes them (float32 inverse frequencies, angle = float32(position * inv_freq)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/model_config.h"

namespace llmc {

// inv_freq[i] for i < head_dim / 2, after the config's scaling (default, linear, dynamic, llama3).
// `max_model_len` only matters for dynamic NTK scaling, which (as vLLM does) fixes the base for the longest
// supported context instead of changing it with each batch.
std::vector<float> rope_inverse_frequencies(const RopeConfig& rope, int64_t head_dim, int64_t max_position_embeddings);

// transformers keeps inv_freq as a module buffer, so a model materialized in its checkpoint dtype (bf16/fp16)
// and computed in float32 carries frequencies rounded to that dtype; the reference outputs we match are
// computed that way, and at position p the rounding moves angles by up to p * 2^-9 radians, far more than the
// 1e-4 logit tolerance allows. This rounds inv_freq as that buffer holds it ("float32": unchanged).
void round_rope_frequencies(std::vector<float>& inv_freq, const std::string& dtype);

// [positions, head_dim]: row p = cos(p * inv_freq) (head_dim / 2 values) then sin(p * inv_freq).
std::vector<float> rope_cos_sin_table(const std::vector<float>& inv_freq, int64_t positions);

}  // namespace llmc
