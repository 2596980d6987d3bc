// Who does what in an MPI world of W ranks running tensor parallel T and pipeline parallel P.
//
// W == T*P: rank 0 hosts the head beside worker 0. W == T*P + 1: rank 0 is a dedicated head with no shard.
// Worker w (rank w, or rank w + 1 with a dedicated head) is pipeline stage w / T, tensor rank w % T. Any other
// W is an error, as is a T the model's heads cannot be split by or a P larger than its layer count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/model_config.h"
#include "engine/model/shard_spec.h"

namespace llmc {

struct ParallelConfig {
  int world_size = 1;
  int world_rank = 0;
  int tp = 1;
  int pp = 1;
  bool dedicated_head = false;
  std::vector<int64_t> layer_bounds;  // first layer of each stage, then num_layers

  bool is_head() const { return world_rank == 0; }
  bool is_worker() const { return !dedicated_head || world_rank > 0; }
  int num_workers() const { return tp * pp; }
  int worker_index() const { return dedicated_head ? world_rank - 1 : world_rank; }  // valid on workers
  int world_rank_of_worker(int worker) const { return dedicated_head ? worker + 1 : worker; }
  int stage() const { return worker_index() / tp; }
  int tp_rank() const { return worker_index() % tp; }
  // The worker that samples and reports results: the last stage's tensor rank 0.
  int sampling_worker() const { return (pp - 1) * tp; }
  ShardSpec shard() const;  // this worker's shard

  // Validates the layout against the world and the model; every rank computes the same answer.
  static ParallelConfig make(int world_size, int world_rank, int tp, int pp, const ModelConfig& model,
                             const std::vector<int64_t>& layer_partition);
  std::string describe() const;  // "4 ranks: head + 2 stages x 2 tensor ranks (dedicated head: no)"
};

}  // namespace llmc
