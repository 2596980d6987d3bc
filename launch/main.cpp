// llm-cluster: serve a Hugging Face model with the OpenAI API, or run it offline. See README.md.
//
// Every subcommand that runs a model runs the same way under mpirun or alone (a world of one rank).
// Failures end here: one line on stderr and a non-zero exit. A failure every rank knows about is printed
// by rank 0 only; one rank's own failure is printed by that rank, which then ends the whole job.
#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "common/check.h"
#include "common/log.h"
#include "common/version.h"
#include "launch/subcommands.h"
#include "runtime/cluster/cluster_bootstrap.h"
#include "runtime/comm/mpi_session.h"

namespace {

constexpr const char* kUsage =
    "usage: llm-cluster [serve|generate|doctor|tokenize|chat-template] MODEL_DIR [options]\n"
    "       (no subcommand: serve)\n"
    "       llm-cluster <subcommand> --help   for the subcommand's options\n"
    "       llm-cluster --version\n";

}  // namespace

namespace llmc {

void end_job_on_failure(const std::string& message, MpiSession& mpi) {
  std::fprintf(stderr, "llm-cluster: error: %s\n", message.c_str());
  std::fflush(stderr);
  if (mpi.size() > 1) MpiSession::abort(1);
  std::_Exit(1);
}

}  // namespace llmc

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    std::printf("%s\n%s\n", kUsage, llmc::serve_help().c_str());
    return 0;
  }
  if (args[0] == "--version") {
    std::printf("llm-cluster %s\n", llmc::kLlmClusterVersion);
    return 0;
  }
  const std::string command = args[0];
  llmc::MpiSession mpi(&argc, &argv);
  const std::string who = mpi.size() > 1 ? " (rank " + std::to_string(mpi.rank()) + ")" : "";
  try {
    llmc::init_logging(mpi.rank() == 0 ? "head" : "rank " + std::to_string(mpi.rank()));
    if (command == "generate") return llmc::run_generate({args.begin() + 1, args.end()}, mpi);
    if (command == "serve") return llmc::run_serve({args.begin() + 1, args.end()}, mpi);
    if (command == "doctor") return llmc::run_doctor({args.begin() + 1, args.end()}, mpi);
    if (command == "tokenize") return llmc::run_tokenize({args.begin() + 1, args.end()});
    if (command == "chat-template") return llmc::run_chat_template({args.begin() + 1, args.end()});
    // No subcommand: serve, as `llm-cluster MODEL_DIR [options]` or `llm-cluster --tp 2 MODEL_DIR` (vLLM's
    // `vllm serve MODEL`).
    if (command.rfind("-", 0) == 0 || std::filesystem::is_directory(command)) return llmc::run_serve(args, mpi);
    throw llmc::CollectiveError("'" + command + "' is neither a subcommand nor a model folder\n" + kUsage);
  } catch (const llmc::PeerFailed&) {
    return 1;  // the head printed why
  } catch (const llmc::CollectiveError& e) {
    if (mpi.rank() == 0) std::fprintf(stderr, "llm-cluster %s: error: %s\n", command.c_str(), e.what());
    return 1;
  } catch (const boost::program_options::error& e) {
    if (mpi.rank() == 0) std::fprintf(stderr, "llm-cluster %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llm-cluster %s%s: error: %s\n", command.c_str(), who.c_str(), e.what());
    std::fflush(stderr);
    if (mpi.size() > 1) llmc::MpiSession::abort(1);  // the other ranks may be waiting on this one
    return 1;
  }
}
