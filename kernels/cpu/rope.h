// Rotary position embedding in the "rotate half" layout Hugging Face Llama-family models use: a head vector
// [x1 | x2] becomes [x1*cos - x2*sin | x2*cos + x1*sin] with per-frequency cos/sin.
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

// x: [tokens, heads, head_dim], rotated in place. positions: [tokens].
// cos_sin: [max_positions, rotary_dim] where row p holds cos(p*f_0..f_{r/2-1}) then sin(...).
// Only the first rotary_dim entries of each head rotate (rotary_dim == head_dim for the supported models).
void apply_rope(float* x, const int32_t* positions, const float* cos_sin, int64_t tokens, int64_t heads,
                int64_t head_dim, int64_t rotary_dim);

}  // namespace llmc::kernels::cpu
