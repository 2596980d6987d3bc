// A tensor inside a memory-mapped safetensors file, and the readers that convert it (or a slice of it, for
// tensor parallelism) to float32.
//
// A TensorView points into the mapping owned by its SafetensorsFile / Checkpoint and is valid as long as that
// object lives. Its fields were validated when the file was opened: `nbytes == numel() * dtype_size(dtype)`
// and `data .. data + nbytes` lies inside the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/safetensors/dtype.h"

namespace llmc {

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;  // not aligned: read through the functions below or memcpy
  size_t nbytes = 0;
  std::string file;  // the file name it came from, for error messages

  int64_t numel() const;
};

// All readers accept F32, F16 and BF16 tensors and throw llmc::Error naming the file and tensor for any other
// dtype or a range outside the tensor. `out` must hold the number of elements read.

// The whole tensor, row-major: out[numel()].
void read_f32(const TensorView& view, float* out);

// Rows [row_begin, row_end) of dim 0 of a 1-D or 2-D tensor: out[(row_end - row_begin) * cols] (cols = 1 for
// 1-D).
void read_rows_f32(const TensorView& view, int64_t row_begin, int64_t row_end, float* out);

// Columns [col_begin, col_end) of dim 1 of a 2-D tensor, row-major: out[rows, col_end - col_begin].
void read_cols_f32(const TensorView& view, int64_t col_begin, int64_t col_end, float* out);

}  // namespace llmc
