// WeightSource of random values (vLLM's --load-format dummy): real shapes, no checkpoint. Each value is a
// hash of (seed, tensor name, flat index), so any rank can produce exactly its own slice.
#include <functional>

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

class DummyWeights final : public WeightSource {
 public:
  explicit DummyWeights(uint64_t seed) : seed_(seed) {}

  bool contains(const std::string&) const override { return false; }  // only required tensors are made

  std::vector<float> load(const WeightSlice& s) const override {
    const int64_t rows = s.full_shape.empty() ? 1 : s.full_shape[0];
    const int64_t cols = s.full_shape.size() > 1 ? s.full_shape[1] : 1;
    int64_t r0 = 0, r1 = rows, c0 = 0, c1 = cols;
    if (s.axis == 0) r0 = s.begin, r1 = s.end;
    if (s.axis == 1) c0 = s.begin, c1 = s.end;
    const uint64_t key = splitmix64(seed_ ^ std::hash<std::string>{}(s.name));
    // Norm weights near 1 and small projections keep activations in a realistic range through many layers.
    const float center = is_norm_weight(s.name) ? 1.0f : 0.0f;
    const float spread = is_norm_weight(s.name) ? 0.01f : 0.02f;
    std::vector<float> out(static_cast<size_t>((r1 - r0) * (c1 - c0)));
    size_t i = 0;
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t c = c0; c < c1; ++c) {
        const uint64_t bits = splitmix64(key + static_cast<uint64_t>(r * cols + c));
        const float unit = static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);  // [0, 1)
        out[i++] = center + spread * (2.0f * unit - 1.0f);
      }
    }
    return out;
  }

  std::string describe() const override { return "dummy weights"; }

 private:
  uint64_t seed_;
};

}  // namespace

std::unique_ptr<WeightSource> make_dummy_weights(uint64_t seed) { return std::make_unique<DummyWeights>(seed); }

}  // namespace llmc
