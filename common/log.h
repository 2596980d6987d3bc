// Logging through spdlog: one logger for the process, its lines prefixed with the process's role and rank
// so interleaved output of many MPI ranks stays readable.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace llmc {

// Sets the prefix ("head", "worker 3") and the level from LLMC_LOG_LEVEL (trace..off; default info).
void init_logging(const std::string& role);

}  // namespace llmc
