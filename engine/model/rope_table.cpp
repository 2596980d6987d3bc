#include "engine/model/rope_table.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace llmc {
namespace {

// Llama 3.1's frequency-dependent scaling: long wavelengths slow down by `factor`, short ones stay, and the
// band between is interpolated.
void apply_llama3_scaling(const RopeConfig& rope, std::vector<float>& inv_freq) {
  const double old_len = static_cast<double>(rope.original_max_position_embeddings);
  const double low_freq_wavelen = old_len / rope.low_freq_factor;
  const double high_freq_wavelen = old_len / rope.high_freq_factor;
  for (float& f : inv_freq) {
    const double wavelen = 2.0 * std::numbers::pi / f;
    if (wavelen > low_freq_wavelen) {
      f = static_cast<float>(f / rope.factor);
    } else if (wavelen >= high_freq_wavelen) {
      const double smooth = (old_len / wavelen - rope.low_freq_factor) / (rope.high_freq_factor - rope.low_freq_factor);
      f = static_cast<float>((1.0 - smooth) * f / rope.factor + smooth * f);
    }
  }
}

float round_to_bf16(float x) {
  uint32_t u = std::bit_cast<uint32_t>(x);
  u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;  // round to nearest even
  return std::bit_cast<float>(u);
}

float round_to_f16(float x) {
  // Through _Float16 where the compiler has it: a conversion with IEEE round-to-nearest-even.
  return static_cast<float>(static_cast<_Float16>(x));
}

}  // namespace

void round_rope_frequencies(std::vector<float>& inv_freq, const std::string& dtype) {
  if (dtype == "bfloat16") {
    for (float& f : inv_freq) f = round_to_bf16(f);
  } else if (dtype == "float16") {
    for (float& f : inv_freq) f = round_to_f16(f);
  }
}

std::vector<float> rope_inverse_frequencies(const RopeConfig& rope, int64_t head_dim, int64_t seq_len) {
  double base = rope.theta;
  if (rope.type == RopeType::kDynamic) {
    const double original = static_cast<double>(rope.original_max_position_embeddings);
    const double len = std::max(static_cast<double>(seq_len), original);
    base *= std::pow(rope.factor * len / original - (rope.factor - 1.0),
                     static_cast<double>(head_dim) / static_cast<double>(head_dim - 2));
  }
  std::vector<float> inv_freq(head_dim / 2);
  for (int64_t i = 0; i < head_dim / 2; ++i) {
    // float32 exponent and power, as torch computes base ** (arange(0, dim, 2).float() / dim).
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    const float power = static_cast<float>(std::pow(base, static_cast<double>(exponent)));
    inv_freq[i] = 1.0f / power;
  }
  if (rope.type == RopeType::kLinear) {
    for (float& f : inv_freq) f = static_cast<float>(f / rope.factor);
  } else if (rope.type == RopeType::kLlama3) {
    apply_llama3_scaling(rope, inv_freq);
  }
  return inv_freq;
}

namespace {

// Row p of the table: cos(p * inv_freq) then sin(p * inv_freq), angles in float32 as torch computes them.
void fill_row(const std::vector<float>& inv_freq, int64_t p, float* row) {
  const int64_t half = static_cast<int64_t>(inv_freq.size());
  for (int64_t i = 0; i < half; ++i) {
    const float angle = static_cast<float>(p) * inv_freq[i];
    row[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
    row[half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
  }
}

}  // namespace

std::vector<float> rope_cos_sin_table(const std::vector<float>& inv_freq, int64_t positions) {
  const int64_t width = static_cast<int64_t>(inv_freq.size()) * 2;
  std::vector<float> table(static_cast<size_t>(positions * width));
  for (int64_t p = 0; p < positions; ++p) fill_row(inv_freq, p, table.data() + p * width);
  return table;
}

std::vector<float> model_rope_table(const RopeConfig& rope, int64_t head_dim, const std::string& dtype,
                                    int64_t positions) {
  auto frequencies_for = [&](int64_t seq_len) {
    std::vector<float> f = rope_inverse_frequencies(rope, head_dim, seq_len);
    round_rope_frequencies(f, dtype);
    return f;
  };
  const int64_t original = rope.original_max_position_embeddings;
  std::vector<float> table = rope_cos_sin_table(frequencies_for(original), positions);
  if (rope.type == RopeType::kDynamic) {
    for (int64_t p = original; p < positions; ++p) {  // original > 0: the config requires it for dynamic
      fill_row(frequencies_for(p + 1), p, table.data() + p * (head_dim / 2) * 2);
    }
  }
  return table;
}

}  // namespace llmc
