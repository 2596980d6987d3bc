// Which network address each rank uses. One choice feeds the ZeroMQ control plane and is reported to the
// head; NCCL and Open MPI are pointed at the same interface by the launch scripts (NCCL_SOCKET_IFNAME,
// --mca btl_tcp_if_include) and the bootstrap table shows it.
//
// The head's address: --host-ip, else the address of --ifname, else 127.0.0.1 when every rank is on the
// head's host, else the address of the interface that holds the default route. A worker's address: the one
// its kernel would use to reach the head (a connected UDP socket tells without sending anything).
#pragma once

#include <string>
#include <vector>

namespace llmc {

struct NetInterface {
  std::string name;
  std::string ipv4;
  bool loopback = false;
};

std::vector<NetInterface> list_ipv4_interfaces();
// Throws naming the interface and listing those that exist.
std::string address_of_interface(const std::string& ifname);
// The interface name that holds `ipv4`, or "" if none on this host does.
std::string interface_of_address(const std::string& ipv4);
// The local address that routes to `ipv4`; throws when there is no route.
std::string local_address_towards(const std::string& ipv4);
std::string choose_head_address(const std::string& host_ip, const std::string& ifname, bool all_ranks_local);
std::string hostname();

}  // namespace llmc
