// When each request is sent, as vLLM's get_request schedules them: all at once for an infinite rate; else
// gaps drawn from a gamma distribution with shape = burstiness and mean 1/rate (burstiness 1: a Poisson
// process; < 1 burstier, > 1 more even), accumulated, then scaled so the last arrival is at num/rate exactly
// (which keeps throughput comparable across seeds).
#pragma once

#include <cstdint>
#include <vector>

namespace llmc::bench {

// Offsets in seconds from the start of the run, non-decreasing; one per request.
std::vector<double> arrival_times(int64_t num_requests, double request_rate, double burstiness,
                                  uint64_t seed);

}  // namespace llmc::bench
