// kernels::cpu::linear on every path (sgemv for one row, skinny_linear for a few, sgemm beyond) against a
// double-precision product computed here, over awkward sizes; and decode batch invariance of the skinny path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/skinny_linear.h"

namespace llmc::kernels::cpu {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// y[r, o] = sum_k x[r, k] * w[o, k] + bias[o], in double.
std::vector<double> reference(const std::vector<float>& x, const std::vector<float>& w, const float* bias,
                              int64_t rows, int64_t in, int64_t out) {
  std::vector<double> y(static_cast<size_t>(rows * out));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double s = bias != nullptr ? bias[o] : 0.0;
      for (int64_t k = 0; k < in; ++k) s += static_cast<double>(x[r * in + k]) * w[o * in + k];
      y[r * out + o] = s;
    }
  }
  return y;
}

TEST(Linear, EveryPathMatchesADoubleProductOnAwkwardSizes) {
  uint32_t seed = 1;
  for (int64_t in : {1, 19, 99, 989}) {
    for (int64_t out : {1, 19, 300}) {
      for (int64_t rows : {1, 2, 3, 5, 8, 9, 19}) {
        for (bool with_bias : {false, true}) {
          const auto x = random_values(static_cast<size_t>(rows * in), seed++);
          const auto w = random_values(static_cast<size_t>(out * in), seed++);
          const auto b = random_values(static_cast<size_t>(out), seed++);
          std::vector<float> y(static_cast<size_t>(rows * out), NAN);
          linear(x.data(), w.data(), with_bias ? b.data() : nullptr, rows, in, out, y.data());
          const auto ref = reference(x, w, with_bias ? b.data() : nullptr, rows, in, out);
          // float32 sums of `in` products of values in [-1, 1]: error grows like sqrt(in) * eps.
          const double tol = 1e-6 * (4.0 + 2.0 * std::sqrt(static_cast<double>(in)));
          for (size_t i = 0; i < y.size(); ++i) {
            ASSERT_NEAR(y[i], ref[i], tol) << "rows " << rows << ", in " << in << ", out " << out << ", bias "
                                           << with_bias << ", element " << i;
          }
        }
      }
    }
  }
}

TEST(Linear, ASequenceGetsTheSameBitsAloneInAFewRowBatchOrInAnother) {
  // Decode batch invariance on the skinny path: row 1 of a batch of 2 and row 1 of a batch of 8 (with other
  // rows in different positions of the row groups) are bit-identical.
  const int64_t in = 777, out = 131;
  const auto w = random_values(static_cast<size_t>(out * in), 7);
  const auto b = random_values(static_cast<size_t>(out), 8);
  const auto target = random_values(static_cast<size_t>(in), 9);
  std::vector<std::vector<float>> results;
  for (int64_t rows = 2; rows <= kSkinnyMaxRows; ++rows) {
    for (int64_t at = 0; at < rows; ++at) {
      auto x = random_values(static_cast<size_t>(rows * in), static_cast<uint32_t>(100 + rows * 10 + at));
      std::copy(target.begin(), target.end(), x.begin() + at * in);
      std::vector<float> y(static_cast<size_t>(rows * out));
      skinny_linear(x.data(), w.data(), b.data(), rows, in, out, y.data());
      results.emplace_back(y.begin() + at * out, y.begin() + (at + 1) * out);
    }
  }
  for (size_t i = 1; i < results.size(); ++i) {
    for (int64_t o = 0; o < out; ++o) {
      ASSERT_EQ(results[i][o], results[0][o]) << "placement " << i << ", output " << o;
    }
  }
}

}  // namespace
}  // namespace llmc::kernels::cpu
