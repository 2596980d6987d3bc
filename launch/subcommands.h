// The llm-cluster subcommands. Each takes the arguments after its name and returns the process exit code;
// errors are thrown (llmc::Error, CollectiveError, PeerFailed) and reported by main.
#pragma once

#include <string>
#include <vector>

namespace llmc {

class MpiSession;

// Prints "llm-cluster: error: MESSAGE" and ends every rank of the job with exit code 1, at once.
[[noreturn]] void end_job_on_failure(const std::string& message, MpiSession& mpi);

int run_generate(const std::vector<std::string>& args, MpiSession& mpi);
int run_serve(const std::vector<std::string>& args, MpiSession& mpi);
// `serve --help`: the options in vLLM's groups (the top-level --help prints it too, serve being the default).
std::string serve_help();
int run_doctor(const std::vector<std::string>& args, MpiSession& mpi);
int run_tokenize(const std::vector<std::string>& args);
int run_chat_template(const std::vector<std::string>& args);

}  // namespace llmc
