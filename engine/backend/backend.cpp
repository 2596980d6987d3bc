// Defaults for what only some backends have.
#include "engine/backend/backend.h"

#include "common/check.h"

namespace llmc {

void Backend::begin_capture() { LLMC_FAIL() << name() << ": this backend has no graphs"; }

int Backend::end_capture() {
  LLMC_FAIL() << name() << ": this backend has no graphs";
  return -1;
}

void Backend::replay(int) { LLMC_FAIL() << name() << ": this backend has no graphs"; }

int64_t check_row_copy(int64_t rows, int64_t row_bytes, const Tensor& dst) {
  const int64_t dst_row = dst.rank() >= 1 && dst.dim(0) > 0 ? static_cast<int64_t>(dst.nbytes()) / dst.dim(0) : 0;
  LLMC_CHECK(rows >= 0 && row_bytes >= 0 && (rows == 0 || (rows <= dst.dim(0) && row_bytes <= dst_row)))
      << "copy_rows_from_host: " << rows << " rows of " << row_bytes << " bytes into " << dst.describe();
  return dst_row;
}

}  // namespace llmc
