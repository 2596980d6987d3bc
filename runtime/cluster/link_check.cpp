#include "runtime/cluster/link_check.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>

namespace llmc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kSizes[] = {4 << 10, 256 << 10, 4 << 20, 32 << 20};

int iterations_for(size_t bytes) { return bytes <= (256 << 10) ? 50 : bytes <= (4 << 20) ? 10 : 3; }

LinkMeasurement row(const std::string& link, const std::string& transport, size_t bytes, double seconds,
                    int iterations) {
  LinkMeasurement m;
  m.link = link;
  m.transport = transport;
  m.bytes = bytes;
  m.latency_us = seconds / iterations * 1e6;
  m.bandwidth_gbps = static_cast<double>(bytes) * iterations / seconds / 1e9;
  return m;
}

}  // namespace

Tensor host_link_buffer(size_t bytes) {
  const int64_t n = static_cast<int64_t>(bytes / sizeof(float));
  std::shared_ptr<std::byte> storage(new std::byte[n * sizeof(float)](), std::default_delete<std::byte[]>());
  return Tensor(storage, 0, ScalarType::kF32, {n}, DeviceKind::kCpu);
}

std::vector<LinkMeasurement> measure_links(const ParallelConfig& p, Communicator* tp, Communicator* pp,
                                           const std::string& transport, const LinkBufferFactory& make_buffer) {
  std::vector<LinkMeasurement> rows;
  if (!p.is_worker()) return rows;
  for (size_t bytes : kSizes) {
    Tensor t = make_buffer(bytes);
    const int iters = iterations_for(bytes);
    if (tp != nullptr && tp->size() > 1) {
      tp->all_reduce_sum(t);  // warm-up
      const auto start = Clock::now();
      for (int i = 0; i < iters; ++i) tp->all_reduce_sum(t);
      const double s = std::chrono::duration<double>(Clock::now() - start).count();
      if (tp->rank() == 0) {
        rows.push_back(row("all-reduce, stage " + std::to_string(p.stage()) + " tp group", transport, bytes, s, iters));
      }
    }
    if (pp != nullptr && pp->size() > 1) {
      // Link k (stage k <-> k+1) at a time; a ping-pong, so the time of one transfer is half a round trip.
      const int stage = pp->rank();
      for (int k = 0; k + 1 < pp->size(); ++k) {
        if (stage != k && stage != k + 1) continue;
        const auto start = Clock::now();
        for (int i = 0; i < iters; ++i) {
          if (stage == k) {
            pp->send(t, k + 1);
            pp->recv(t, k + 1);
          } else {
            pp->recv(t, k);
            pp->send(t, k);
          }
        }
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        if (stage == k) {
          rows.push_back(row("stage " + std::to_string(k) + " <-> " + std::to_string(k + 1) + " (tp rank " +
                                 std::to_string(p.tp_rank()) + ")",
                             transport, bytes, s / 2, iters));
        }
      }
    }
  }
  return rows;
}

std::string format_link_table(const std::vector<LinkMeasurement>& rows) {
  std::ostringstream s;
  s << "link                                   transport        size        latency      bandwidth\n";
  for (const auto& r : rows) {
    char line[256];
    std::snprintf(line, sizeof(line), "%-38s %-16s %-11s %9.1f us %9.3f GB/s\n", r.link.c_str(), r.transport.c_str(),
                  (std::to_string(r.bytes >> 10) + " KiB").c_str(), r.latency_us, r.bandwidth_gbps);
    s << line;
  }
  return s.str();
}

std::string links_to_json(const std::vector<LinkMeasurement>& rows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rows) {
    j.push_back({{"link", r.link}, {"transport", r.transport}, {"bytes", r.bytes}, {"latency_us", r.latency_us},
                 {"bandwidth_gbps", r.bandwidth_gbps}});
  }
  return j.dump();
}

std::vector<LinkMeasurement> links_from_json(const std::string& text) {
  std::vector<LinkMeasurement> rows;
  for (const auto& j : nlohmann::json::parse(text)) {
    rows.push_back({j["link"], j["transport"], j["bytes"], j["latency_us"], j["bandwidth_gbps"]});
  }
  return rows;
}

}  // namespace llmc
