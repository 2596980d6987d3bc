// Test-only safetensors writer, written from the format description independently of the reader under test,
// plus helpers to lay out raw (also deliberately broken) files.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmc::test {

struct RawTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

inline std::vector<uint8_t> f32_bytes(const std::vector<float>& values) {
  std::vector<uint8_t> out(values.size() * 4);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

inline std::vector<uint8_t> u16_bytes(const std::vector<uint16_t>& values) {
  std::vector<uint8_t> out;
  for (uint16_t v : values) {
    out.push_back(static_cast<uint8_t>(v & 0xff));  // little-endian by construction
    out.push_back(static_cast<uint8_t>(v >> 8));
  }
  return out;
}

// Writes the 8-byte little-endian length (or `length_override`), the header text and the data bytes.
inline void write_raw(const std::filesystem::path& path, const std::string& header,
                      const std::vector<uint8_t>& data,
                      std::optional<uint64_t> length_override = std::nullopt) {
  const uint64_t length = length_override.value_or(header.size());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Tensors laid out back to back in the given order; `header_pad` spaces after the JSON shift the data section
// (the format allows trailing whitespace), which makes F32 data unaligned when it is not a multiple of 4.
inline void write_safetensors(const std::filesystem::path& path, const std::vector<RawTensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {},
                              size_t header_pad = 0) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<uint8_t> data;
  for (const RawTensor& t : tensors) {
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data.insert(data.end(), t.bytes.begin(), t.bytes.end());
  }
  write_raw(path, header.dump() + std::string(header_pad, ' '), data);
}

}  // namespace llmc::test
