// A typed, shaped view of memory that a Backend owns (host memory for the CPU backend, device memory for CUDA).
// Copies share storage; views (rows, reshape) never copy. The engine code above the backend only moves
// Tensors between backend calls and never dereferences one that is not on the host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

enum class ScalarType { kF32, kBF16, kF16, kI32, kI64 };
enum class DeviceKind { kCpu, kCuda };

size_t scalar_size(ScalarType t);
const char* scalar_name(ScalarType t);

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<std::byte> storage, size_t offset, ScalarType type, std::vector<int64_t> shape,
         DeviceKind device);

  bool defined() const { return storage_ != nullptr; }
  ScalarType type() const { return type_; }
  DeviceKind device() const { return device_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  size_t rank() const { return shape_.size(); }
  int64_t numel() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * scalar_size(type_); }

  void* raw() const { return storage_.get() + offset_; }
  template <typename T>
  T* data() const {
    return reinterpret_cast<T*>(raw());
  }

  // Rows [begin, end) of dimension 0, sharing storage.
  Tensor rows(int64_t begin, int64_t end) const;
  // The same elements with another shape (element counts must match).
  Tensor reshape(std::vector<int64_t> shape) const;
  // Another type and shape at `byte_offset` into this tensor's memory (for one packed upload holding several
  // small tensors); the view must lie inside this tensor and be aligned for its type.
  Tensor view(size_t byte_offset, ScalarType type, std::vector<int64_t> shape) const;
  std::string describe() const;  // "f32[4, 128]" for error messages

 private:
  std::shared_ptr<std::byte> storage_;
  size_t offset_ = 0;
  ScalarType type_ = ScalarType::kF32;
  std::vector<int64_t> shape_;
  DeviceKind device_ = DeviceKind::kCpu;
};

}  // namespace llmc
