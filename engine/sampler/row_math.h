// Vectorisable passes over one row of logits, the sampler's hot loops: on a 128k vocabulary each is a few
// tens of microseconds where the scalar library calls cost a millisecond.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace llmc {

// exp(x) for x <= 0 within ~2 ulp of the correctly rounded value; 0 for x < -87 (relative weights below
// 1e-38 cannot change a draw) and for -inf. Written so that loops over it vectorise.
float exp_nonpositive(float x);

// The largest value; -inf for an empty row.
float max_value(std::span<const float> values);

// True when no value is NaN or +inf; *any_finite says whether some value is finite.
bool no_nan_or_pos_inf(std::span<const float> values, bool* any_finite);

// Softmax numerators relative to `max_logit`: weights[i] = exp((logits[i] - max_logit) / temperature) where
// logits[i] >= floor, else 0. Sums of consecutive blocks of kWeightBlock weights go to *block_sums (in
// double), so a draw can find its block without a sequential pass over the whole row. Returns the total.
inline constexpr size_t kWeightBlock = 64;
double softmax_weights(std::span<const float> logits, float max_logit, float temperature, float floor,
                       std::span<float> weights, std::vector<double>* block_sums);

// log(sum(exp(values))), computed stably; values must hold a finite entry.
double log_sum_exp(std::span<const float> values);

// Sets logits[i] = -inf where bit i of `allowed` (word i / 32, bit i % 32) is clear: a constrained-decoding
// token mask. NaN and +inf are left as they are, so the sampler still reports them. `allowed` holds at least
// (logits.size() + 31) / 32 words.
void mask_logits(std::span<float> logits, std::span<const uint32_t> allowed);

}  // namespace llmc
