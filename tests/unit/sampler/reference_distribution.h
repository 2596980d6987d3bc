// The distribution sample() should draw from, computed directly from the definitions with full sorts in
// double precision: softmax(logits / T), then min_p, top_k, top_p, renormalising after each.
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "engine/sampling_params.h"

namespace llmc::test {

inline std::vector<double> reference_distribution(const std::vector<float>& logits, const SamplingParams& p) {
  const size_t n = logits.size();
  std::vector<double> prob(n);
  const double max_logit = *std::max_element(logits.begin(), logits.end());
  for (size_t i = 0; i < n; ++i) prob[i] = std::exp((logits[i] - max_logit) / p.temperature);
  auto normalise = [&] {
    const double sum = std::accumulate(prob.begin(), prob.end(), 0.0);
    for (double& q : prob) q /= sum;
  };
  normalise();
  if (p.min_p > 0) {
    const double top = *std::max_element(prob.begin(), prob.end());
    for (double& q : prob) q = q >= p.min_p * top ? q : 0.0;
    normalise();
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prob[a] > prob[b]; });
  if (p.top_k > 0) {
    for (size_t r = static_cast<size_t>(p.top_k); r < n; ++r) prob[order[r]] = 0.0;
    normalise();
  }
  if (p.top_p < 1.0f) {
    double before = 0.0;  // mass of the more likely tokens
    for (size_t idx : order) {
      const double q = prob[idx];
      if (before >= p.top_p) prob[idx] = 0.0;
      before += q;
    }
    normalise();
  }
  return prob;
}

// Upper 0.1% points of the chi-square distribution, by degrees of freedom 1..7 (standard tables).
inline double chi_square_critical_999(size_t dof) {
  static const double kTable[] = {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322};
  return kTable[std::min<size_t>(dof, 7) - 1];
}

}  // namespace llmc::test
