// WeightSource over a Hugging Face checkpoint folder (safetensors, single or sharded).
#include <cstring>
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

// The engine type of a stored tensor; the types we compute with are the only ones a weight may have.
ScalarType scalar_type_of(const TensorView& view) {
  switch (view.dtype) {
    case DType::kF32: return ScalarType::kF32;
    case DType::kBF16: return ScalarType::kBF16;
    case DType::kF16: return ScalarType::kF16;
    default:
      LLMC_CHECK(false) << view.file << ": tensor '" << view.name << "' is " << dtype_name(view.dtype)
                        << "; weights must be F32, BF16 or F16";
  }
  return ScalarType::kF32;
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

  NativeWeight load_native(const WeightSlice& s) const override {
    const TensorView& view = checkpoint_->tensor(s.name);
    LLMC_CHECK(view.shape == s.full_shape)
        << view.file << ": tensor '" << s.name << "' has shape " << shape_string(view.shape) << ", but config.json implies "
        << shape_string(s.full_shape);
    NativeWeight w;
    w.type = scalar_type_of(view);
    const size_t elem = scalar_size(w.type);
    const int64_t rows = view.shape.empty() ? 1 : view.shape[0];
    const int64_t cols = view.shape.size() > 1 ? view.shape[1] : 1;
    if (s.axis < 0) {
      w.data = view.data;
      w.nbytes = view.nbytes;
    } else if (s.axis == 0) {
      LLMC_CHECK(s.begin >= 0 && s.begin <= s.end && s.end <= rows)
          << view.file << ": rows [" << s.begin << ", " << s.end << ") outside tensor '" << s.name << "'";
      w.data = view.data + static_cast<size_t>(s.begin * cols) * elem;
      w.nbytes = static_cast<size_t>((s.end - s.begin) * cols) * elem;
    } else {
      LLMC_CHECK(view.shape.size() == 2 && s.begin >= 0 && s.begin <= s.end && s.end <= cols)
          << view.file << ": columns [" << s.begin << ", " << s.end << ") outside tensor '" << s.name << "'";
      const size_t width = static_cast<size_t>(s.end - s.begin) * elem;
      w.owned.resize(static_cast<size_t>(rows) * width);
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(w.owned.data() + r * width, view.data + (static_cast<size_t>(r * cols + s.begin)) * elem, width);
      }
      w.data = w.owned.data();
      w.nbytes = w.owned.size();
    }
    return w;
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
