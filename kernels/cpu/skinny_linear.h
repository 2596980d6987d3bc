// y[rows, out] = x[rows, in] * w[out, in]^T (+ bias) for a few rows (a decode step's batch): memory-bound, so
// every weight is read from memory once and used for all rows while it is in L1.
//
// Why not OpenBLAS here: its sgemm packs the whole weight matrix into its own layout on every call, which for
// a few rows costs as much as the product (see docs/perf.md); its sgemv reads the weights once per row. Prefill-sized products stay on OpenBLAS (kernels/cpu/gemm.cpp).
//
// Each output element is summed in the same order whatever `rows` is, so a sequence's results do not depend on
// which other sequences share its step (for batches of 2 to kSkinnyMaxRows rows).
#pragma once

#include <cstdint>

namespace llmc::kernels::cpu {

// Rows of x handled by skinny_linear (measured: 2-3x faster than OpenBLAS's sgemm at 2-6 rows, even at 8);
// one row goes to sgemv, which reads the weights once already, and larger batches to sgemm.
inline constexpr int64_t kSkinnyMaxRows = 8;
// Below this many inputs per output the fixed per-output work (summing the 16 lanes) outweighs the product:
// sgemm does better (measured on the tiny fixtures' 32-wide LM head).
inline constexpr int64_t kSkinnyMinInputs = 256;

void skinny_linear(const float* x, const float* w, const float* bias, int64_t rows, int64_t in, int64_t out,
                   float* y);

}  // namespace llmc::kernels::cpu
