#include "engine/grammar/integer_range.h"

#include <string>
#include <vector>

namespace llmc::grammar {
namespace {

// Digit strings of equal length between x and y (x <= y), position by position.
ExprId same_length(Grammar& g, const std::string& x, const std::string& y) {
  if (x.empty()) return g.empty();
  const auto x0 = static_cast<uint8_t>(x[0]);
  const auto y0 = static_cast<uint8_t>(y[0]);
  const std::string xr = x.substr(1);
  const std::string yr = y.substr(1);
  if (x0 == y0) return g.seq({g.byte_range(x0, x0), same_length(g, xr, yr)});
  const bool x_low = xr.find_first_not_of('0') == std::string::npos;
  const bool y_high = yr.find_first_not_of('9') == std::string::npos;
  const ExprId any_rest = g.repeat(g.byte_range('0', '9'), static_cast<int32_t>(xr.size()), static_cast<int32_t>(xr.size()));
  std::vector<ExprId> options;
  // Leading digit x0 (unless its whole block is covered by the middle range below).
  const uint8_t mid_lo = x_low ? x0 : static_cast<uint8_t>(x0 + 1);
  const uint8_t mid_hi = y_high ? y0 : static_cast<uint8_t>(y0 - 1);
  if (!x_low) options.push_back(g.seq({g.byte_range(x0, x0), same_length(g, xr, std::string(xr.size(), '9'))}));
  if (mid_lo <= mid_hi) options.push_back(g.seq({g.byte_range(mid_lo, mid_hi), any_rest}));
  if (!y_high) options.push_back(g.seq({g.byte_range(y0, y0), same_length(g, std::string(yr.size(), '0'), yr)}));
  return g.alt(std::move(options));
}

// Non-negative integers in [a, b] (b nullopt: unbounded), canonical digit strings.
ExprId non_negative(Grammar& g, uint64_t a, std::optional<uint64_t> b) {
  std::vector<ExprId> options;
  const std::string as = std::to_string(a);
  const size_t max_len = b ? std::to_string(*b).size() : as.size();
  for (size_t len = as.size(); len <= max_len; ++len) {
    const std::string lo = len == as.size() ? as : "1" + std::string(len - 1, '0');
    const std::string len_max(len, '9');
    std::string hi = len_max;
    if (b && len == max_len) hi = std::to_string(*b);
    if (lo.size() == hi.size() && lo <= hi) options.push_back(same_length(g, lo, hi));
  }
  if (!b) {
    // Every number with more digits than a.
    options.push_back(g.seq({g.byte_range('1', '9'), g.repeat(g.byte_range('0', '9'), static_cast<int32_t>(as.size()), -1)}));
  }
  return g.alt(std::move(options));
}

}  // namespace

ExprId integer_range_expr(Grammar& g, std::optional<int64_t> lo, std::optional<int64_t> hi) {
  if (lo && hi && *lo > *hi) return g.alt({});
  std::vector<ExprId> options;
  // Negative part: -n for n in [max(1, -hi), -lo].
  if (!lo || *lo < 0) {
    const uint64_t n_lo = hi && *hi < 0 ? static_cast<uint64_t>(-(*hi + 1)) + 1 : 1;
    std::optional<uint64_t> n_hi;
    if (lo) n_hi = static_cast<uint64_t>(-(*lo + 1)) + 1;
    options.push_back(g.seq({g.literal("-"), non_negative(g, n_lo, n_hi)}));
  }
  // Non-negative part.
  if (!hi || *hi >= 0) {
    const uint64_t a = lo && *lo > 0 ? static_cast<uint64_t>(*lo) : 0;
    std::optional<uint64_t> b;
    if (hi) b = static_cast<uint64_t>(*hi);
    options.push_back(non_negative(g, a, b));
  }
  return g.alt(std::move(options));
}

}  // namespace llmc::grammar
