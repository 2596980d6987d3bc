#include "common/log.h"

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

namespace llmc {

void init_logging(const std::string& role) {
  // Logs go to stderr: stdout is reserved for machine-readable output (tokenize, chat-template, generate -).
  auto logger = spdlog::stderr_color_mt("llmc-" + role);
  logger->set_pattern("[%H:%M:%S.%e] [" + role + "] [%^%l%$] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  if (const char* level = std::getenv("LLMC_LOG_LEVEL")) {
    spdlog::set_level(spdlog::level::from_str(level));
  }
}

}  // namespace llmc
