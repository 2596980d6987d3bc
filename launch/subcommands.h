// The llm-cluster subcommands. Each takes the arguments after its name and returns the process exit code;
// errors are thrown as llmc::Error and reported by main in one line.
#pragma once

#include <string>
#include <vector>

namespace llmc {

int run_generate(const std::vector<std::string>& args);

}  // namespace llmc
