// The program's version, reported by every rank at startup and by GET /version.
#pragma once

namespace llmc {

inline constexpr const char* kLlmClusterVersion = "0.1.0";

}  // namespace llmc
