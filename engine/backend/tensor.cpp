#include "engine/backend/tensor.h"

#include <sstream>

#include "common/check.h"

namespace llmc {

size_t scalar_size(ScalarType t) {
  switch (t) {
    case ScalarType::kF32:
    case ScalarType::kI32:
      return 4;
    case ScalarType::kBF16:
    case ScalarType::kF16:
      return 2;
    case ScalarType::kI64:
      return 8;
  }
  return 0;
}

const char* scalar_name(ScalarType t) {
  switch (t) {
    case ScalarType::kF32: return "f32";
    case ScalarType::kBF16: return "bf16";
    case ScalarType::kF16: return "f16";
    case ScalarType::kI32: return "i32";
    case ScalarType::kI64: return "i64";
  }
  return "?";
}

Tensor::Tensor(std::shared_ptr<std::byte> storage, size_t offset, ScalarType type, std::vector<int64_t> shape,
               DeviceKind device)
    : storage_(std::move(storage)), offset_(offset), type_(type), shape_(std::move(shape)), device_(device) {}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

Tensor Tensor::rows(int64_t begin, int64_t end) const {
  LLMC_CHECK(!shape_.empty() && begin >= 0 && begin <= end && end <= shape_[0])
      << "row range [" << begin << ", " << end << ") outside " << describe();
  std::vector<int64_t> shape = shape_;
  shape[0] = end - begin;
  const int64_t row_elems = shape_[0] == 0 ? 0 : numel() / shape_[0];
  return Tensor(storage_, offset_ + static_cast<size_t>(begin * row_elems) * scalar_size(type_), type_, shape,
                device_);
}

Tensor Tensor::reshape(std::vector<int64_t> shape) const {
  Tensor t(storage_, offset_, type_, std::move(shape), device_);
  LLMC_CHECK(t.numel() == numel()) << "cannot reshape " << describe() << " to " << t.describe();
  return t;
}

Tensor Tensor::view(size_t byte_offset, ScalarType type, std::vector<int64_t> shape) const {
  Tensor t(storage_, offset_ + byte_offset, type, std::move(shape), device_);
  LLMC_CHECK(byte_offset + t.nbytes() <= nbytes() && (offset_ + byte_offset) % scalar_size(type) == 0)
      << "view " << t.describe() << " at byte " << byte_offset << " does not fit in " << describe();
  return t;
}

std::string Tensor::describe() const {
  std::ostringstream s;
  s << scalar_name(type_) << '[';
  for (size_t i = 0; i < shape_.size(); ++i) s << (i ? ", " : "") << shape_[i];
  s << ']';
  return s.str();
}

}  // namespace llmc
