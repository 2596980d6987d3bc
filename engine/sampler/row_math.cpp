// Built with -fno-trapping-math (see CMakeLists.txt): results stay IEEE, it only lets GCC if-convert and
// vectorise the clamps below.
#include "engine/sampler/row_math.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace llmc {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kLanes = 8;  // one AVX register of floats; independent lanes need no reassociation

// Sum of values[begin, end) with kLanes independent float accumulators (vectorised, and short enough that
// float keeps ~1e-7 relative accuracy); the caller adds the blocks in double.
template <typename F>
double block_sum(std::span<const float> values, size_t begin, size_t end, F&& f) {
  float lane[kLanes] = {};
  size_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    for (size_t k = 0; k < kLanes; ++k) lane[k] += f(values[i + k]);
  }
  double sum = 0.0;
  for (float l : lane) sum += l;
  for (; i < end; ++i) sum += f(values[i]);
  return sum;
}

}  // namespace

float exp_nonpositive(float x) {
  // exp(x) = 2^n * exp(r) with n = round(x / ln 2), |r| <= ln(2) / 2, and ln 2 split in two parts so that
  // n * kLn2Hi is exact (kLn2Hi has 15 significant bits, |n| <= 126 has 7).
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;
  constexpr float kLn2Lo = 1.42860682030941723e-6f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  const float clamped = x > -87.0f ? x : -87.0f;
  const float n = (clamped * kLog2e + kRound) - kRound;
  float r = clamped - n * kLn2Hi;
  r = r - n * kLn2Lo;
  // Taylor series to r^7: the first omitted term is below 6e-9 relative for |r| <= 0.347.
  const float p =
      1.0f +
      r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
                                                                    r * (1.0f / 720 + r * (1.0f / 5040)))))));
  const float scale = std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);  // n in [-126, 0]
  return x >= -87.0f ? p * scale : 0.0f;
}

float max_value(std::span<const float> values) {
  float lane[kLanes];
  for (float& l : lane) l = -kInf;
  size_t i = 0;
  for (; i + kLanes <= values.size(); i += kLanes) {
    for (size_t k = 0; k < kLanes; ++k) lane[k] = lane[k] < values[i + k] ? values[i + k] : lane[k];
  }
  float best = -kInf;
  for (float l : lane) best = best < l ? l : best;
  for (; i < values.size(); ++i) best = best < values[i] ? values[i] : best;
  return best;
}

bool no_nan_or_pos_inf(std::span<const float> values, bool* any_finite) {
  uint32_t bad = 0;
  uint32_t finite = 0;
  for (float v : values) {
    bad |= static_cast<uint32_t>(!(v < kInf));  // NaN fails every comparison
    finite |= static_cast<uint32_t>(v > -kInf && v < kInf);
  }
  *any_finite = finite != 0;
  return bad == 0;
}

double softmax_weights(std::span<const float> logits, float max_logit, float temperature, float floor,
                       std::span<float> weights, std::vector<double>* block_sums) {
  const size_t n = logits.size();
  for (size_t i = 0; i < n; ++i) {
    // Divide rather than multiply by 1/T: with T near the smallest floats 1/T is inf, and 0 * inf is NaN.
    const float w = exp_nonpositive((logits[i] - max_logit) / temperature);
    weights[i] = logits[i] >= floor ? w : 0.0f;
  }
  block_sums->resize((n + kWeightBlock - 1) / kWeightBlock);
  double total = 0.0;
  for (size_t b = 0; b < block_sums->size(); ++b) {
    const size_t begin = b * kWeightBlock;
    (*block_sums)[b] =
        block_sum(weights, begin, std::min(n, begin + kWeightBlock), [](float w) { return w; });
    total += (*block_sums)[b];
  }
  return total;
}

double log_sum_exp(std::span<const float> values) {
  const float max = max_value(values);
  double sum = 0.0;
  for (size_t begin = 0; begin < values.size(); begin += kWeightBlock) {
    sum += block_sum(values, begin, std::min(values.size(), begin + kWeightBlock),
                     [max](float v) { return exp_nonpositive(v - max); });
  }
  return max + std::log(sum);
}

void mask_logits(std::span<float> logits, std::span<const uint32_t> allowed) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr float kNegInf = -kInf;
  const size_t n = logits.size();
  float* x = logits.data();
  for (size_t w = 0; w * 32 < n; ++w) {
    const uint32_t bits = allowed[w];
    if (bits == ~0u) continue;
    const size_t end = std::min(n, w * 32 + 32);
    // NaN and +inf stay (the model went wrong; the sampler says so even where the mask would hide it).
    for (size_t i = w * 32; i < end; ++i) x[i] = ((bits >> (i & 31)) & 1u) || !(x[i] < kInf) ? x[i] : kNegInf;
  }
}

}  // namespace llmc
