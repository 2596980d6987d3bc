// WeightSource over a Hugging Face checkpoint folder (safetensors, single or sharded).
#include <sstream>

#include "common/check.h"
#include "engine/model/weight_source.h"
#include "engine/safetensors/checkpoint.h"

namespace llmc {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

class CheckpointWeights final : public WeightSource {
 public:
  explicit CheckpointWeights(std::unique_ptr<Checkpoint> checkpoint) : checkpoint_(std::move(checkpoint)) {}

  bool contains(const std::string& name) const override { return checkpoint_->contains(name); }

  std::vector<float> load(const WeightSlice& s) const override {
    const TensorView& view = checkpoint_->tensor(s.name);
    LLMC_CHECK(view.shape == s.full_shape)
        << view.file << ": tensor '" << s.name << "' has shape " << shape_string(view.shape) << ", but config.json implies "
        << shape_string(s.full_shape);
    if (s.axis < 0) {
      std::vector<float> out(static_cast<size_t>(view.numel()));
      read_f32(view, out.data());
      return out;
    }
    const int64_t rows = view.shape[0];
    const int64_t cols = view.shape.size() > 1 ? view.shape[1] : 1;
    if (s.axis == 0) {
      std::vector<float> out(static_cast<size_t>((s.end - s.begin) * cols));
      read_rows_f32(view, s.begin, s.end, out.data());
      return out;
    }
    std::vector<float> out(static_cast<size_t>(rows * (s.end - s.begin)));
    read_cols_f32(view, s.begin, s.end, out.data());
    return out;
  }

  std::string describe() const override { return checkpoint_->dir().string(); }

 private:
  std::unique_ptr<Checkpoint> checkpoint_;
};

}  // namespace

std::unique_ptr<WeightSource> open_checkpoint_weights(const std::filesystem::path& model_dir) {
  return std::make_unique<CheckpointWeights>(Checkpoint::open(model_dir));
}

}  // namespace llmc
