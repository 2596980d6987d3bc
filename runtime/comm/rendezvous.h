// Startup exchanges between the head (rank 0) and every other rank, each bounded by a deadline. A phase
// that does not complete in time names the ranks that did not arrive, instead of hanging in a collective.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace llmc {

// Every rank calls it with its payload; rank 0 gets every rank's payload (index = rank), others get {}.
// Rank 0 throws llmc::Error "<phase>: ranks 3, 5 did not report within 60 s" on timeout.
std::vector<std::string> gather_at_head(const std::string& payload, const char* phase, std::chrono::seconds timeout);

// Rank 0's payload reaches every rank (returned everywhere). A non-head rank throws on timeout.
std::string broadcast_from_head(const std::string& payload, const char* phase, std::chrono::seconds timeout);

}  // namespace llmc
