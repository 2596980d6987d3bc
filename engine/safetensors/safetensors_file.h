// One .safetensors file, memory-mapped read-only and validated when opened.
//
// Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
// JSON
// ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, optional "__metadata__": {str: str}}), then the
// data section; offsets are relative to its start. open() checks everything a reader later relies on, so a
// constructed SafetensorsFile only hands out views that lie inside the mapping and whose byte size matches
// their shape and dtype. Every failure is an llmc::Error naming the file (and the tensor, where there is
// one). Owned by Checkpoint; the model loader reads through the TensorViews.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/safetensors/tensor_view.h"

namespace llmc {

class SafetensorsFile {
 public:
  // Larger headers are refused before parsing: real ones are well under 10 MB.
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

  static std::unique_ptr<SafetensorsFile> open(const std::filesystem::path& path);

  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  const std::filesystem::path& path() const { return path_; }
  // Sorted by name.
  const std::vector<TensorView>& tensors() const { return tensors_; }
  // nullptr when the file holds no tensor of that name.
  const TensorView* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  explicit SafetensorsFile(std::filesystem::path path) : path_(std::move(path)) {}
  void map_file();
  void parse_header();

  std::filesystem::path path_;
  std::string label_;  // path_ as text, the prefix of every error message
  const std::byte* mapping_ = nullptr;
  size_t file_size_ = 0;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace llmc
