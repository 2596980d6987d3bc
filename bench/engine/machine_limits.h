// This machine's own ceilings, measured in the same run as the engine benchmark so the two compare fairly.
#pragma once

namespace llmc::bench {

// Sustained read bandwidth in bytes/s: threads summing a buffer far larger than the caches.
double measure_read_bandwidth(int threads);
// OpenBLAS sgemm rate in FLOP/s at a given shape (m x k times k x n).
double measure_sgemm_flops(int m, int n, int k);

}  // namespace llmc::bench
