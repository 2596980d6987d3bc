// The llm-cluster subcommands. Each takes the arguments after its name and returns the process exit code;
// errors are thrown (llmc::Error, CollectiveError, PeerFailed) and reported by main.
#pragma once

#include <string>
#include <vector>

namespace llmc {

class MpiSession;

int run_generate(const std::vector<std::string>& args, MpiSession& mpi);
int run_doctor(const std::vector<std::string>& args, MpiSession& mpi);

}  // namespace llmc
