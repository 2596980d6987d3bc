// WeightSource of random values (vLLM's --load-format dummy): real shapes, no checkpoint. Each value is a
// hash of (seed, tensor name, flat index), so any rank can produce exactly its own slice.
#include <cstring>
#include <functional>

#include "engine/safetensors/dtype.h"

#include "engine/model/weight_source.h"

namespace llmc {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

bool is_norm_weight(const std::string& name) {
  return name.find("norm.weight") != std::string::npos;
}

// The rows and columns of the full tensor a slice covers.
struct Extent {
  int64_t r0, r1, c0, c1, cols;
};

Extent extent(const WeightSlice& s) {
  const int64_t rows = s.full_shape.empty() ? 1 : s.full_shape[0];
  const int64_t cols = s.full_shape.size() > 1 ? s.full_shape[1] : 1;
  Extent e{0, rows, 0, cols, cols};
  if (s.axis == 0) e.r0 = s.begin, e.r1 = s.end;
  if (s.axis == 1) e.c0 = s.begin, e.c1 = s.end;
  return e;
}

// Element `index` of a tensor whose name hashed to `key`: uniform in center +- spread.
float value(uint64_t key, int64_t index, float center, float spread) {
  const uint64_t bits = splitmix64(key + static_cast<uint64_t>(index));
  const float unit = static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);  // [0, 1)
  return center + spread * (2.0f * unit - 1.0f);
}

class DummyWeights final : public WeightSource {
 public:
  explicit DummyWeights(uint64_t seed) : seed_(seed) {}

  bool contains(const std::string&) const override { return false; }  // only required tensors are made

  std::vector<float> load(const WeightSlice& s) const override {
    const Extent e = extent(s);
    const uint64_t key = splitmix64(seed_ ^ std::hash<std::string>{}(s.name));
    // Norm weights near 1 and small projections keep activations in a realistic range through many layers.
    const float center = is_norm_weight(s.name) ? 1.0f : 0.0f;
    const float spread = is_norm_weight(s.name) ? 0.01f : 0.02f;
    std::vector<float> out(static_cast<size_t>((e.r1 - e.r0) * (e.c1 - e.c0)));
    size_t i = 0;
    for (int64_t r = e.r0; r < e.r1; ++r) {
      for (int64_t c = e.c0; c < e.c1; ++c) out[i++] = value(key, r * e.cols + c, center, spread);
    }
    return out;
  }

  // Stored as bf16, as real checkpoints are: half the bytes to move, and the GPU computes on them as they
  // are. Made with every core (an 8B-shaped model is 8e9 values).
  NativeWeight load_native(const WeightSlice& s) const override {
    const Extent e = extent(s);
    const uint64_t key = splitmix64(seed_ ^ std::hash<std::string>{}(s.name));
    const float center = is_norm_weight(s.name) ? 1.0f : 0.0f;
    const float spread = is_norm_weight(s.name) ? 0.01f : 0.02f;
    NativeWeight w;
    w.type = ScalarType::kBF16;
    const int64_t width = e.c1 - e.c0;
    w.owned.resize(static_cast<size_t>((e.r1 - e.r0) * width) * sizeof(uint16_t));
    auto* out = reinterpret_cast<uint16_t*>(w.owned.data());
#pragma omp parallel for schedule(static) if ((e.r1 - e.r0) * width > (1 << 20))
    for (int64_t r = e.r0; r < e.r1; ++r) {
      for (int64_t c = e.c0; c < e.c1; ++c) {
        out[(r - e.r0) * width + (c - e.c0)] = f32_to_bf16(value(key, r * e.cols + c, center, spread));
      }
    }
    w.data = w.owned.data();
    w.nbytes = w.owned.size();
    return w;
  }

  std::string describe() const override { return "dummy weights"; }

 private:
  uint64_t seed_;
};

}  // namespace

std::unique_ptr<WeightSource> make_dummy_weights(uint64_t seed) { return std::make_unique<DummyWeights>(seed); }

}  // namespace llmc
