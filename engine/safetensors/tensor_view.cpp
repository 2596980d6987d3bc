#include "engine/safetensors/tensor_view.h"

#include "common/check.h"

namespace llmc {

namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

void check_convertible(const TensorView& view) {
  LLMC_CHECK(dtype_converts_to_f32(view.dtype))
      << view.file << ": tensor '" << view.name << "' has dtype " << dtype_name(view.dtype)
      << "; only F32, F16 and BF16 tensors can be read as float32";
}

void check_range(const TensorView& view, const char* what, int64_t begin, int64_t end, int64_t limit) {
  LLMC_CHECK(0 <= begin && begin <= end && end <= limit)
      << view.file << ": tensor '" << view.name << "' (shape " << shape_string(view.shape) << "): " << what
      << " range [" << begin << ", " << end << ") is outside [0, " << limit << ")";
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t dim : shape) n *= dim;  // cannot overflow: checked when the file was opened
  return n;
}

void read_f32(const TensorView& view, float* out) {
  check_convertible(view);
  convert_to_f32(view.dtype, view.data, out, static_cast<size_t>(view.numel()));
}

void read_rows_f32(const TensorView& view, int64_t row_begin, int64_t row_end, float* out) {
  check_convertible(view);
  LLMC_CHECK(view.shape.size() == 1 || view.shape.size() == 2)
      << view.file << ": tensor '" << view.name << "' has shape " << shape_string(view.shape)
      << "; a row slice needs a 1-D or 2-D tensor";
  check_range(view, "row", row_begin, row_end, view.shape[0]);
  const int64_t cols = view.shape.size() == 2 ? view.shape[1] : 1;
  const size_t elem = dtype_size(view.dtype);
  // Rows of dim 0 are contiguous, so the slice is one run.
  convert_to_f32(view.dtype, view.data + static_cast<size_t>(row_begin * cols) * elem, out,
                 static_cast<size_t>((row_end - row_begin) * cols));
}

void read_cols_f32(const TensorView& view, int64_t col_begin, int64_t col_end, float* out) {
  check_convertible(view);
  LLMC_CHECK(view.shape.size() == 2) << view.file << ": tensor '" << view.name << "' has shape "
                                     << shape_string(view.shape) << "; a column slice needs a 2-D tensor";
  check_range(view, "column", col_begin, col_end, view.shape[1]);
  const int64_t rows = view.shape[0];
  const int64_t cols = view.shape[1];
  const int64_t taken = col_end - col_begin;
  const size_t elem = dtype_size(view.dtype);
  for (int64_t r = 0; r < rows; ++r) {
    convert_to_f32(view.dtype, view.data + static_cast<size_t>(r * cols + col_begin) * elem, out + r * taken,
                   static_cast<size_t>(taken));
  }
}

}  // namespace llmc
