// llm-cluster: serve a Hugging Face model with the OpenAI API, or run it offline. See README.md.
#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "common/check.h"
#include "common/log.h"
#include "launch/subcommands.h"

namespace {

constexpr const char* kUsage =
    "usage: llm-cluster [serve|generate] MODEL_DIR [options]\n"
    "       llm-cluster <subcommand> --help   for the subcommand's options\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  try {
    llmc::init_logging(command == "generate" ? "generate" : "head");
    if (command == "generate") return llmc::run_generate({args.begin() + 1, args.end()});
    LLMC_FAIL() << "unknown subcommand '" << command << "'\n" << kUsage;
  } catch (const boost::program_options::error& e) {
    std::fprintf(stderr, "llm-cluster %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    // The one boundary every startup and load error reaches: one line, non-zero exit.
    std::fprintf(stderr, "llm-cluster %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
}
