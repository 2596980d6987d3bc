// Integers in a range as canonical JSON digit strings (no leading zeros, "-" for negatives, never "-0"):
// what JSON Schema's minimum/maximum on an "integer" compile to. The expression is a union of per-length
// digit-range sequences, so its size grows with the number of digits, not with the range.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

// [lo, hi]; nullopt bounds are open. An empty range matches nothing.
ExprId integer_range_expr(Grammar& g, std::optional<int64_t> lo, std::optional<int64_t> hi);

}  // namespace llmc::grammar
