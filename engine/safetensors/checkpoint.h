// A Hugging Face model folder's weights: every tensor of its safetensors file(s), by name.
//
// open() finds the files the way transformers does: `model.safetensors.index.json` (sharded; its weight_map
// names the file of every tensor), else `model.safetensors`, else every `*.safetensors` in the folder. It
// maps and validates every file up front, so a returned Checkpoint is complete and consistent: each tensor
// name lives in exactly one file, and every tensor the index lists is in the file it names. Errors name the
// folder, the file and the tensor. The model loader (engine/) calls this once per process and reads its shard
// with read_rows_f32 / read_cols_f32 (tensor_view.h).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/safetensors/safetensors_file.h"
#include "engine/safetensors/tensor_view.h"

namespace llmc {

class Checkpoint {
 public:
  static constexpr const char* kIndexFile = "model.safetensors.index.json";
  static constexpr const char* kSingleFile = "model.safetensors";

  static std::unique_ptr<Checkpoint> open(const std::filesystem::path& dir);

  bool contains(std::string_view name) const;
  // Throws llmc::Error naming the tensor and the folder when there is no such tensor.
  const TensorView& tensor(std::string_view name) const;
  // Sorted.
  std::vector<std::string> names() const;
  const std::filesystem::path& dir() const { return dir_; }
  // The files in the order they were opened.
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }

 private:
  explicit Checkpoint(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void open_indexed(const std::filesystem::path& index_path);
  void open_files(const std::vector<std::filesystem::path>& paths);
  void add_file(const std::filesystem::path& path);

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*, std::less<>> tensors_;
};

}  // namespace llmc
