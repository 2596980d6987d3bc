// Where a model shard's weights come from: a Hugging Face checkpoint, or random values with the right shapes
// (`--load-format dummy`, for benchmarks and memory planning with real models' shapes).
//
// The loader asks for exactly the slice a rank needs (rows or columns of the full tensor), so under tensor
// parallelism each rank reads only its own part: in the checkpoint's own dtype (load_native, what the backends
// upload) or converted to float32 (load, for tools and tests).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend/tensor.h"

namespace llmc {

struct WeightSlice {
  std::string name;                 // Hugging Face tensor name
  std::vector<int64_t> full_shape;  // what the config implies; a checkpoint with another shape is an error
  int axis = -1;                    // -1: whole tensor; 0: rows [begin, end); 1: columns [begin, end)
  int64_t begin = 0;
  int64_t end = 0;
};

// A slice's values in their stored type. `data` points into the memory-mapped file where the slice is one
// contiguous range (whole tensors, row slices), else into `owned`; valid while the source lives.
struct NativeWeight {
  ScalarType type = ScalarType::kF32;  // f32, bf16 or f16
  const std::byte* data = nullptr;
  size_t nbytes = 0;
  std::vector<std::byte> owned;
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual bool contains(const std::string& name) const = 0;
  // Row-major float32 values of the slice; throws naming the tensor when absent or mis-shaped.
  virtual std::vector<float> load(const WeightSlice& slice) const = 0;
  // The slice in its stored type (no float32 round trip); throws as load() does.
  virtual NativeWeight load_native(const WeightSlice& slice) const = 0;
  virtual std::string describe() const = 0;
};

std::unique_ptr<WeightSource> open_checkpoint_weights(const std::filesystem::path& model_dir);
// Deterministic pseudo-random weights: the same name and index give the same value on every rank.
std::unique_ptr<WeightSource> make_dummy_weights(uint64_t seed = 0);

}  // namespace llmc
