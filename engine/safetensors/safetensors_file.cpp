#include "engine/safetensors/safetensors_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/check.h"

namespace llmc {

namespace {

using Json = nlohmann::json;

// A tensor's place in the data section, kept until the overlap check.
struct Extent {
  uint64_t begin;
  uint64_t end;
  const std::string* name;
};

// A JSON value that must be a non-negative integer (what shapes and offsets are made of).
bool as_non_negative(const Json& value, uint64_t* out) {
  if (value.is_number_unsigned()) {
    *out = value.get<uint64_t>();
    return true;
  }
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(value.get<int64_t>());
    return true;
  }
  return false;
}

std::vector<int64_t> parse_shape(const std::string& label, const std::string& name, const Json& entry) {
  LLMC_CHECK(entry.contains("shape") && entry["shape"].is_array())
      << label << ": tensor '" << name << "' has no \"shape\" array";
  std::vector<int64_t> shape;
  for (const Json& dim : entry["shape"]) {
    uint64_t value = 0;
    LLMC_CHECK(as_non_negative(dim, &value) &&
               value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        << label << ": tensor '" << name << "' has shape " << entry["shape"].dump()
        << "; dimensions must be non-negative integers";
    shape.push_back(static_cast<int64_t>(value));
  }
  return shape;
}

// numel * element size, or an error if either overflows 64 bits.
uint64_t byte_size(const std::string& label, const std::string& name, const std::vector<int64_t>& shape,
                   size_t elem_size, const Json& shape_json) {
  uint64_t bytes = elem_size;
  int64_t numel = 1;
  for (int64_t dim : shape) {
    const bool ok =
        !__builtin_mul_overflow(numel, dim, &numel) && !__builtin_mul_overflow(bytes, dim, &bytes);
    LLMC_CHECK(ok) << label << ": tensor '" << name << "' has shape " << shape_json.dump()
                   << " whose size overflows 64 bits";
  }
  return bytes;
}

std::pair<uint64_t, uint64_t> parse_offsets(const std::string& label, const std::string& name,
                                            const Json& entry) {
  const Json* offsets = entry.contains("data_offsets") ? &entry["data_offsets"] : nullptr;
  uint64_t begin = 0;
  uint64_t end = 0;
  LLMC_CHECK(offsets != nullptr && offsets->is_array() && offsets->size() == 2 &&
             as_non_negative((*offsets)[0], &begin) && as_non_negative((*offsets)[1], &end))
      << label << ": tensor '" << name
      << "' needs \"data_offsets\": [begin, end] of non-negative integers, got "
      << (offsets != nullptr ? offsets->dump() : std::string("nothing"));
  return {begin, end};
}

std::map<std::string, std::string> parse_metadata(const std::string& label, const Json& entry) {
  LLMC_CHECK(entry.is_object()) << label << ": \"__metadata__\" must be an object of strings, got "
                                << entry.type_name();
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : entry.items()) {
    LLMC_CHECK(value.is_string()) << label << ": \"__metadata__\" entry '" << key
                                  << "' must be a string, got " << value.type_name();
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// One header entry -> a view into the data section; *begin receives its start offset.
TensorView parse_tensor(const std::string& label, const std::string& name, const Json& entry,
                        const std::byte* data, uint64_t data_size, uint64_t* begin_out) {
  LLMC_CHECK(entry.is_object()) << label << ": tensor '" << name << "' must be described by a JSON object";
  LLMC_CHECK(entry.contains("dtype") && entry["dtype"].is_string())
      << label << ": tensor '" << name << "' has no \"dtype\" string";
  const std::string dtype_text = entry["dtype"].get<std::string>();
  const std::optional<DType> dtype = parse_dtype(dtype_text);
  LLMC_CHECK(dtype.has_value())
      << label << ": tensor '" << name << "' has unsupported dtype '" << dtype_text
      << "' (expected F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, F8_E4M3 or F8_E5M2)";
  TensorView view;
  view.name = name;
  view.dtype = *dtype;
  view.shape = parse_shape(label, name, entry);
  const uint64_t expected = byte_size(label, name, view.shape, dtype_size(*dtype), entry["shape"]);
  const auto [begin, end] = parse_offsets(label, name, entry);
  LLMC_CHECK(begin <= end) << label << ": tensor '" << name << "' data_offsets [" << begin << ", " << end
                           << "] begin after end";
  LLMC_CHECK(end <= data_size) << label << ": tensor '" << name << "' data_offsets [" << begin << ", " << end
                               << "] exceed the file's data section (" << data_size << " bytes)";
  LLMC_CHECK(end - begin == expected)
      << label << ": tensor '" << name << "' data_offsets [" << begin << ", " << end << "] span "
      << end - begin << " bytes, but " << dtype_text << " " << entry["shape"].dump() << " needs " << expected;
  view.data = data + begin;
  view.nbytes = static_cast<size_t>(expected);
  view.file = label;
  *begin_out = begin;
  return view;
}

void check_no_overlap(const std::string& label, std::vector<Extent> extents) {
  // Empty tensors occupy no bytes and cannot overlap anything.
  std::erase_if(extents, [](const Extent& e) { return e.begin == e.end; });
  std::sort(extents.begin(), extents.end(),
            [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < extents.size(); ++i) {
    const Extent& prev = extents[i - 1];
    const Extent& cur = extents[i];
    LLMC_CHECK(cur.begin >= prev.end)
        << label << ": tensor '" << *cur.name << "' data_offsets [" << cur.begin << ", " << cur.end
        << "] overlap tensor '" << *prev.name << "' [" << prev.begin << ", " << prev.end << "]";
  }
}

}  // namespace

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile(path));
  file->label_ = path.string();
  file->map_file();
  file->parse_header();
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) munmap(const_cast<std::byte*>(mapping_), file_size_);
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorView& view, std::string_view key) { return view.name < key; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

void SafetensorsFile::map_file() {
  const int fd = ::open(label_.c_str(), O_RDONLY | O_CLOEXEC);
  LLMC_CHECK(fd >= 0) << label_ << ": cannot open safetensors file: " << std::strerror(errno);
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const int err = errno;
    ::close(fd);
    LLMC_FAIL() << label_ << ": not a regular file"
                << (err != 0 ? std::string(": ") + std::strerror(err) : "");
  }
  file_size_ = static_cast<size_t>(info.st_size);
  if (file_size_ < 8) {
    ::close(fd);
    LLMC_FAIL() << label_ << ": file is " << file_size_
                << " bytes, too short for the 8-byte header length a safetensors file starts with";
  }
  void* mapped = mmap(nullptr, file_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file alive
  LLMC_CHECK(mapped != MAP_FAILED) << label_ << ": mmap of " << file_size_
                                   << " bytes failed: " << std::strerror(err);
  mapping_ = static_cast<const std::byte*>(mapped);
}

void SafetensorsFile::parse_header() {
  uint64_t header_len = 0;
  std::memcpy(&header_len, mapping_, 8);
  LLMC_CHECK(header_len <= file_size_ - 8)
      << label_ << ": header length " << header_len << " runs past the end of the file (" << file_size_
      << " bytes); the file is truncated or not safetensors";
  LLMC_CHECK(header_len <= kMaxHeaderBytes) << label_ << ": header length " << header_len
                                            << " exceeds the limit of " << kMaxHeaderBytes << " bytes";
  const auto* text = reinterpret_cast<const char*>(mapping_ + 8);
  Json header;
  try {
    header = Json::parse(text, text + header_len);
  } catch (const Json::exception& e) {
    LLMC_FAIL() << label_ << ": header is not valid JSON: " << e.what();
  }
  LLMC_CHECK(header.is_object()) << label_ << ": header must be a JSON object, got " << header.type_name();

  const std::byte* data = mapping_ + 8 + header_len;
  const uint64_t data_size = file_size_ - 8 - header_len;
  std::vector<Extent> extents;
  tensors_.reserve(header.size());
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      metadata_ = parse_metadata(label_, entry);
      continue;
    }
    uint64_t begin = 0;
    tensors_.push_back(parse_tensor(label_, name, entry, data, data_size, &begin));
    // reserve() above keeps the name's address stable until the overlap check.
    extents.push_back({begin, begin + tensors_.back().nbytes, &tensors_.back().name});
  }
  check_no_overlap(label_, std::move(extents));
  // find() relies on name order (nlohmann's object already iterates sorted; this keeps it a local guarantee).
  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
}

}  // namespace llmc
