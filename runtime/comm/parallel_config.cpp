#include "runtime/comm/parallel_config.h"

#include <sstream>

#include "common/check.h"

namespace llmc {

ParallelConfig ParallelConfig::make(int world_size, int world_rank, int tp, int pp, const ModelConfig& model,
                                    const std::vector<int64_t>& layer_partition) {
  LLMC_CHECK(tp >= 1 && pp >= 1) << "--tp and --pp must be at least 1 (got --tp " << tp << " --pp " << pp << ")";
  ParallelConfig c;
  c.world_size = world_size;
  c.world_rank = world_rank;
  c.tp = tp;
  c.pp = pp;
  const int workers = tp * pp;
  LLMC_CHECK(world_size == workers || world_size == workers + 1)
      << "--tp " << tp << " x --pp " << pp << " needs " << workers << " ranks (head beside worker 0) or " << workers + 1
      << " (dedicated head), but mpirun started " << world_size;
  c.dedicated_head = world_size == workers + 1;
  model.check_tensor_parallel(tp);
  c.layer_bounds = pipeline_layer_bounds(model.num_layers, pp, layer_partition);
  return c;
}

ShardSpec ParallelConfig::shard() const {
  ShardSpec s;
  s.tp_rank = tp_rank();
  s.tp_size = tp;
  s.pp_rank = stage();
  s.pp_size = pp;
  s.layer_begin = layer_bounds[stage()];
  s.layer_end = layer_bounds[stage() + 1];
  return s;
}

std::string ParallelConfig::describe() const {
  std::ostringstream s;
  s << world_size << " rank(s): " << pp << " pipeline stage(s) x " << tp << " tensor rank(s), head "
    << (dedicated_head ? "on a dedicated rank 0" : "beside worker 0") << "; layers per stage:";
  for (int i = 0; i < pp; ++i) s << ' ' << (layer_bounds[i + 1] - layer_bounds[i]);
  return s.str();
}

}  // namespace llmc
