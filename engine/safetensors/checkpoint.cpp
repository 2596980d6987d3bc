#include "engine/safetensors/checkpoint.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "common/check.h"

namespace llmc {

namespace fs = std::filesystem;

namespace {

using Json = nlohmann::json;

Json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  LLMC_CHECK(in.good()) << path.string() << ": cannot open for reading";
  try {
    return Json::parse(in);
  } catch (const Json::exception& e) {
    LLMC_FAIL() << path.string() << ": not valid JSON: " << e.what();
  }
}

// Shard names are plain file names next to the index; anything else could reach outside the model folder.
void check_shard_name(const fs::path& index_path, const std::string& tensor, const std::string& file) {
  const fs::path as_path(file);
  LLMC_CHECK(!file.empty() && as_path.filename() == as_path && file != "." && file != "..")
      << index_path.string() << ": weight_map entry for tensor '" << tensor << "' names file '" << file
      << "'; expected a plain file name in the model folder";
}

}  // namespace

std::unique_ptr<Checkpoint> Checkpoint::open(const fs::path& dir) {
  std::error_code ec;
  LLMC_CHECK(fs::is_directory(dir, ec))
      << dir.string() << ": model folder does not exist or is not a directory";
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint(dir));
  if (fs::exists(dir / kIndexFile, ec)) {
    checkpoint->open_indexed(dir / kIndexFile);
    return checkpoint;
  }
  if (fs::exists(dir / kSingleFile, ec)) {
    checkpoint->open_files({dir / kSingleFile});
    return checkpoint;
  }
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors") paths.push_back(entry.path());
  }
  LLMC_CHECK(!ec) << dir.string() << ": cannot list the folder: " << ec.message();
  LLMC_CHECK(!paths.empty()) << dir.string() << ": no weights found (expected " << kIndexFile << ", "
                             << kSingleFile << " or *.safetensors files)";
  std::sort(paths.begin(), paths.end());
  checkpoint->open_files(paths);
  return checkpoint;
}

void Checkpoint::open_indexed(const fs::path& index_path) {
  const Json index = read_json(index_path);
  LLMC_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object())
      << index_path.string()
      << ": expected an object with a \"weight_map\" object (tensor name -> file name)";
  const Json& weight_map = index["weight_map"];
  LLMC_CHECK(!weight_map.empty()) << index_path.string() << ": \"weight_map\" lists no tensors";

  // Open each shard once, in the order of first mention (the map's keys are sorted, so this is
  // deterministic).
  std::vector<fs::path> shards;
  std::set<std::string> seen;
  for (const auto& [tensor, file] : weight_map.items()) {
    LLMC_CHECK(file.is_string()) << index_path.string() << ": weight_map entry for tensor '" << tensor
                                 << "' must be a file name string, got " << file.type_name();
    const std::string name = file.get<std::string>();
    check_shard_name(index_path, tensor, name);
    if (seen.insert(name).second) {
      std::error_code ec;
      LLMC_CHECK(fs::is_regular_file(dir_ / name, ec))
          << index_path.string() << ": shard '" << name << "' (holding tensor '" << tensor
          << "') is missing from " << dir_.string();
      shards.push_back(dir_ / name);
    }
  }
  open_files(shards);

  for (const auto& [tensor, file] : weight_map.items()) {
    auto it = tensors_.find(tensor);
    const std::string expected = (dir_ / file.get<std::string>()).string();
    LLMC_CHECK(it != tensors_.end()) << index_path.string() << ": tensor '" << tensor
                                     << "' is listed in shard '" << file.get<std::string>()
                                     << "' but that file does not contain it";
    LLMC_CHECK(it->second->file == expected)
        << index_path.string() << ": tensor '" << tensor << "' is listed in shard '"
        << file.get<std::string>() << "' but that file does not contain it (found in " << it->second->file
        << ")";
  }
}

void Checkpoint::open_files(const std::vector<fs::path>& paths) {
  for (const fs::path& path : paths) add_file(path);
}

void Checkpoint::add_file(const fs::path& path) {
  files_.push_back(SafetensorsFile::open(path));
  const SafetensorsFile& file = *files_.back();
  for (const TensorView& view : file.tensors()) {
    auto [it, inserted] = tensors_.emplace(view.name, &view);
    LLMC_CHECK(inserted) << dir_.string() << ": tensor '" << view.name
                         << "' is present in two files: " << it->second->file << " and " << view.file;
  }
}

bool Checkpoint::contains(std::string_view name) const { return tensors_.find(name) != tensors_.end(); }

const TensorView& Checkpoint::tensor(std::string_view name) const {
  auto it = tensors_.find(name);
  LLMC_CHECK(it != tensors_.end()) << dir_.string() << ": checkpoint has no tensor '" << name << "' ("
                                   << tensors_.size() << " tensors in " << files_.size() << " file(s))";
  return *it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, view] : tensors_) names.push_back(name);
  return names;
}

}  // namespace llmc
