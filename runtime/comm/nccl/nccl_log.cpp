#include "runtime/comm/nccl/nccl_log.h"

#include <algorithm>
#include <sstream>

namespace llmc {

std::vector<std::string> nccl_transports_from_log(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("NCCL INFO Channel") == std::string::npos) continue;
    const size_t via = line.find(" via ");
    if (via == std::string::npos) continue;
    std::string rest = line.substr(via + 5);
    rest = rest.substr(0, rest.find_first_of(" \t\r"));
    // First two components: "P2P/CUMEM/read" -> "P2P/CUMEM", "NET/IB/0(0)/GDRDMA" -> "NET/IB".
    const size_t first = rest.find('/');
    const size_t second = first == std::string::npos ? std::string::npos : rest.find('/', first + 1);
    std::string transport = rest.substr(0, second);
    if (const size_t paren = transport.find('('); paren != std::string::npos) transport.resize(paren);
    if (!transport.empty() && std::find(out.begin(), out.end(), transport) == out.end()) out.push_back(transport);
  }
  return out;
}

bool nccl_uses_socket_fallback(const std::vector<std::string>& transports) {
  return std::find(transports.begin(), transports.end(), "NET/Socket") != transports.end();
}

}  // namespace llmc
