#include "runtime/comm/net_interface.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/check.h"

namespace llmc {
namespace {

std::string available_list() {
  std::ostringstream s;
  for (const auto& i : list_ipv4_interfaces()) s << ' ' << i.name << '=' << i.ipv4;
  return s.str();
}

// The interface of the IPv4 default route, from /proc/net/route (destination 00000000).
std::string default_route_interface() {
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iface, dest;
    fields >> iface >> dest;
    if (dest == "00000000") return iface;
  }
  return "";
}

}  // namespace

std::vector<NetInterface> list_ipv4_interfaces() {
  std::vector<NetInterface> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || !(a->ifa_flags & IFF_UP)) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof(buf));
    out.push_back({a->ifa_name, buf, (a->ifa_flags & IFF_LOOPBACK) != 0});
  }
  freeifaddrs(list);
  return out;
}

std::string address_of_interface(const std::string& ifname) {
  for (const auto& i : list_ipv4_interfaces()) {
    if (i.name == ifname) return i.ipv4;
  }
  LLMC_FAIL() << "--ifname " << ifname << ": no such interface with an IPv4 address on " << hostname()
              << " (have:" << available_list() << ")";
}

std::string interface_of_address(const std::string& ipv4) {
  for (const auto& i : list_ipv4_interfaces()) {
    if (i.ipv4 == ipv4) return i.name;
  }
  return "";
}

std::string local_address_towards(const std::string& ipv4) {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(9);  // any port: a UDP connect sends nothing
  LLMC_CHECK(inet_pton(AF_INET, ipv4.c_str(), &target.sin_addr) == 1) << "'" << ipv4 << "' is not an IPv4 address";
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  LLMC_CHECK(fd >= 0) << "cannot open a UDP socket: " << std::strerror(errno);
  const int rc = connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof(target));
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  const int rc2 = rc == 0 ? getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) : -1;
  const int err = errno;
  close(fd);
  LLMC_CHECK(rc == 0 && rc2 == 0) << "no route from " << hostname() << " to the head at " << ipv4 << ": "
                                  << std::strerror(err);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &local.sin_addr, buf, sizeof(buf));
  return buf;
}

std::string choose_head_address(const std::string& host_ip, const std::string& ifname, bool all_ranks_local) {
  if (!host_ip.empty()) {
    LLMC_CHECK(!interface_of_address(host_ip).empty())
        << "--host-ip " << host_ip << " is not an address of this host (" << hostname() << "; have:" << available_list()
        << ")";
    return host_ip;
  }
  if (!ifname.empty()) return address_of_interface(ifname);
  if (all_ranks_local) return "127.0.0.1";
  const std::string route = default_route_interface();
  for (const auto& i : list_ipv4_interfaces()) {
    if (!i.loopback && (route.empty() || i.name == route)) return i.ipv4;
  }
  LLMC_FAIL() << "cannot choose the head's address on " << hostname()
              << ": no default route and no non-loopback interface; pass --host-ip or --ifname (have:"
              << available_list() << ")";
}

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

}  // namespace llmc
