// Where a model shard's weights come from: a Hugging Face checkpoint, or random values with the right shapes
// (`--load-format dummy`, for benchmarks and memory planning with real models' shapes).
//
// The loader asks for exactly the slice a rank needs (rows or columns of the full tensor), so under tensor
// parallelism each rank reads only its own part, converted to float32.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

struct WeightSlice {
  std::string name;                 // Hugging Face tensor name
  std::vector<int64_t> full_shape;  // what the config implies; a checkpoint with another shape is an error
  int axis = -1;                    // -1: whole tensor; 0: rows [begin, end); 1: columns [begin, end)
  int64_t begin = 0;
  int64_t end = 0;
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual bool contains(const std::string& name) const = 0;
  // Row-major float32 values of the slice; throws naming the tensor when absent or mis-shaped.
  virtual std::vector<float> load(const WeightSlice& slice) const = 0;
  virtual std::string describe() const = 0;
};

std::unique_ptr<WeightSource> open_checkpoint_weights(const std::filesystem::path& model_dir);
// Deterministic pseudo-random weights: the same name and index give the same value on every rank.
std::unique_ptr<WeightSource> make_dummy_weights(uint64_t seed = 0);

}  // namespace llmc
