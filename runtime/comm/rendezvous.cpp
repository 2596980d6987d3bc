#include "runtime/comm/rendezvous.h"

#include <mpi.h>

#include <sstream>
#include <thread>

#include "common/check.h"

namespace llmc {
namespace {

constexpr int kLengthTag = 201;
constexpr int kPayloadTag = 202;
using Clock = std::chrono::steady_clock;

// Waits for `requests` with polling, so a deadline can end the wait. Returns the indices that completed.
std::vector<bool> wait_until(std::vector<MPI_Request>& requests, Clock::time_point deadline) {
  std::vector<bool> done(requests.size(), false);
  size_t remaining = requests.size();
  while (remaining > 0 && Clock::now() < deadline) {
    bool progress = false;
    for (size_t i = 0; i < requests.size(); ++i) {
      if (done[i]) continue;
      int flag = 0;
      MPI_Test(&requests[i], &flag, MPI_STATUS_IGNORE);
      if (flag) {
        done[i] = true;
        --remaining;
        progress = true;
      }
    }
    if (!progress) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done;
}

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

}  // namespace

std::vector<std::string> gather_at_head(const std::string& payload, const char* phase, std::chrono::seconds timeout) {
  const int rank = world_rank(), size = world_size();
  const auto deadline = Clock::now() + timeout;
  if (rank != 0) {
    // Two sends: the length first, so the head can size its buffer; both complete when the head receives them
    // or when the job is torn down.
    uint64_t len = payload.size();
    MPI_Request reqs[2];
    MPI_Isend(&len, 1, MPI_UINT64_T, 0, kLengthTag, MPI_COMM_WORLD, &reqs[0]);
    MPI_Isend(payload.data(), static_cast<int>(payload.size()), MPI_CHAR, 0, kPayloadTag, MPI_COMM_WORLD, &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    return {};
  }
  std::vector<std::string> out(size);
  out[0] = payload;
  std::vector<uint64_t> lengths(size, 0);
  std::vector<MPI_Request> reqs(size - 1);
  for (int r = 1; r < size; ++r) MPI_Irecv(&lengths[r], 1, MPI_UINT64_T, r, kLengthTag, MPI_COMM_WORLD, &reqs[r - 1]);
  std::vector<bool> done = wait_until(reqs, deadline);
  std::ostringstream missing;
  int num_missing = 0;
  for (int r = 1; r < size; ++r) {
    if (!done[r - 1]) missing << (num_missing++ ? ", " : "") << r;
  }
  LLMC_CHECK(num_missing == 0) << phase << ": rank(s) " << missing.str() << " did not report within "
                               << timeout.count() << " s";
  for (int r = 1; r < size; ++r) {
    out[r].resize(lengths[r]);
    MPI_Recv(out[r].data(), static_cast<int>(lengths[r]), MPI_CHAR, r, kPayloadTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  return out;
}

std::string broadcast_from_head(const std::string& payload, const char* phase, std::chrono::seconds timeout) {
  const int rank = world_rank(), size = world_size();
  if (rank == 0) {
    uint64_t len = payload.size();
    std::vector<MPI_Request> reqs;
    for (int r = 1; r < size; ++r) {
      reqs.emplace_back();
      MPI_Isend(&len, 1, MPI_UINT64_T, r, kLengthTag, MPI_COMM_WORLD, &reqs.back());
      reqs.emplace_back();
      MPI_Isend(payload.data(), static_cast<int>(payload.size()), MPI_CHAR, r, kPayloadTag, MPI_COMM_WORLD,
                &reqs.back());
    }
    MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE);
    return payload;
  }
  uint64_t len = 0;
  std::vector<MPI_Request> req(1);
  MPI_Irecv(&len, 1, MPI_UINT64_T, 0, kLengthTag, MPI_COMM_WORLD, &req[0]);
  const auto done = wait_until(req, Clock::now() + timeout);
  LLMC_CHECK(done[0]) << phase << ": no word from the head (rank 0) within " << timeout.count() << " s";
  std::string out(len, '\0');
  MPI_Recv(out.data(), static_cast<int>(len), MPI_CHAR, 0, kPayloadTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return out;
}

}  // namespace llmc
