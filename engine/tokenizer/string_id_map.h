// Hash map from token strings to ids with lookups by std::string_view (no temporary strings on the hot path).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmc {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using StringIdMap = std::unordered_map<std::string, int32_t, StringViewHash, std::equal_to<>>;

}  // namespace llmc
