// SwiGLU: out = silu(gate) * up, the MLP activation of every Llama-family model.
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

// gate_up: [rows, 2 * dim] (gate in the first half of each row, up in the second); out: [rows, dim].
void silu_and_mul(const float* gate_up, int64_t rows, int64_t dim, float* out);

}  // namespace llmc::kernels::cpu
