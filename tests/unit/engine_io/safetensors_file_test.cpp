// SafetensorsFile: reading known values back, slicing, and every malformed-file path.
#include "engine/safetensors/safetensors_file.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/engine_io/expect_error.h"
#include "tests/unit/engine_io/safetensors_writer.h"
#include "tests/unit/engine_io/temp_dir.h"

namespace llmc {
namespace {

using test::f32_bytes;
using test::RawTensor;
using test::u16_bytes;
using test::write_raw;
using test::write_safetensors;

class SafetensorsFileTest : public test::TempDirTest {
 protected:
  std::filesystem::path file() const { return dir_ / "model.safetensors"; }
  // A header for one F32 tensor 'w' of `shape` at `offsets`, followed by `data_bytes` zero bytes.
  void write_one(const std::string& shape, const std::string& offsets, size_t data_bytes,
                 const std::string& dtype = "F32") {
    write_raw(file(),
              R"({"w":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}",
              std::vector<uint8_t>(data_bytes, 0));
  }
};

TEST_F(SafetensorsFileTest, ReadsKnownValuesOfEachFloatType) {
  // Bit patterns written out by hand: bf16(1.5)=0x3FC0, bf16(-2)=0xC000, bf16(0.5)=0x3F00, bf16(3)=0x4040;
  // f16(1.5)=0x3E00, f16(-2)=0xC000, f16(0.5)=0x3800, f16(65504)=0x7BFF.
  write_safetensors(file(),
                    {{"a.f32", "F32", {2, 2}, f32_bytes({1.5f, -2.25f, 3e-5f, 1e30f})},
                     {"b.bf16", "BF16", {4}, u16_bytes({0x3FC0, 0xC000, 0x3F00, 0x4040})},
                     {"c.f16", "F16", {2, 2}, u16_bytes({0x3E00, 0xC000, 0x3800, 0x7BFF})}},
                    {{"format", "pt"}}, /*header_pad=*/3);
  auto st = SafetensorsFile::open(file());
  ASSERT_EQ(st->tensors().size(), 3u);
  EXPECT_EQ(st->metadata().at("format"), "pt");
  const TensorView* a = st->find("a.f32");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::kF32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a->nbytes, 16u);
  EXPECT_EQ(a->numel(), 4);
  EXPECT_EQ(a->file, file().string());
  float out[4];
  read_f32(*a, out);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{1.5f, -2.25f, 3e-5f, 1e30f}));
  read_f32(*st->find("b.bf16"), out);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{1.5f, -2.0f, 0.5f, 3.0f}));
  read_f32(*st->find("c.f16"), out);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{1.5f, -2.0f, 0.5f, 65504.0f}));
  EXPECT_EQ(st->find("missing"), nullptr);
}

TEST_F(SafetensorsFileTest, EmptyScalarAndNonFloatTensorsOpen) {
  write_safetensors(file(), {{"empty", "F32", {0, 5}, {}},
                             {"scalar", "F32", {}, f32_bytes({7.0f})},
                             {"ids", "I64", {2}, std::vector<uint8_t>(16, 1)},
                             {"mask", "BOOL", {3}, {1, 0, 1}}});
  auto st = SafetensorsFile::open(file());
  EXPECT_EQ(st->find("empty")->numel(), 0);
  float value = 0;
  read_f32(*st->find("scalar"), &value);
  EXPECT_EQ(value, 7.0f);
  EXPECT_EQ(st->find("ids")->dtype, DType::kI64);
  EXPECT_LLMC_ERROR(read_f32(*st->find("ids"), &value), {file().string(), "'ids'", "I64"});
}

class SliceTest : public SafetensorsFileTest {
 protected:
  // w[r][c] = 10 r + c for a 3x4 matrix: small integers, exact in every float type.
  static float value(int r, int c) { return static_cast<float>(10 * r + c); }
  void SetUp() override {
    SafetensorsFileTest::SetUp();
    std::vector<float> f32;
    std::vector<uint16_t> bf16;
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 4; ++c) {
        f32.push_back(value(r, c));
        uint32_t bits;
        std::memcpy(&bits, &f32.back(), 4);
        bf16.push_back(static_cast<uint16_t>(bits >> 16));  // exact: at most 5 significant bits
      }
    }
    write_safetensors(file(),
                      {{"m.f32", "F32", {3, 4}, f32_bytes(f32)},
                       {"m.bf16", "BF16", {3, 4}, u16_bytes(bf16)},
                       {"v", "F32", {4}, f32_bytes({0.f, 1.f, 2.f, 3.f})},
                       {"t", "F32", {1, 2, 2}, f32_bytes({0.f, 1.f, 2.f, 3.f})}},
                      {}, /*header_pad=*/1);
    st_ = SafetensorsFile::open(file());
  }
  std::unique_ptr<SafetensorsFile> st_;
};

TEST_F(SliceTest, RowsAndColumnsOfBothTypes) {
  for (const char* name : {"m.f32", "m.bf16"}) {
    const TensorView& m = *st_->find(name);
    std::vector<float> rows(2 * 4);
    read_rows_f32(m, 1, 3, rows.data());
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 4; ++c) EXPECT_EQ(rows[r * 4 + c], value(r + 1, c)) << name;
    }
    std::vector<float> cols(3 * 2);
    read_cols_f32(m, 1, 3, cols.data());
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 2; ++c) EXPECT_EQ(cols[r * 2 + c], value(r, c + 1)) << name;
    }
  }
  float v[2];
  read_rows_f32(*st_->find("v"), 2, 4, v);
  EXPECT_EQ(v[0], 2.0f);
  EXPECT_EQ(v[1], 3.0f);
  read_rows_f32(*st_->find("v"), 4, 4, v);  // an empty range is valid
}

TEST_F(SliceTest, RangesAndRanksAreChecked) {
  const TensorView& m = *st_->find("m.f32");
  std::vector<float> out(64);
  EXPECT_LLMC_ERROR(read_rows_f32(m, 2, 4, out.data()),
                    {file().string(), "'m.f32'", "row range [2, 4)", "[3, 4]"});
  EXPECT_LLMC_ERROR(read_rows_f32(m, -1, 1, out.data()), {"'m.f32'", "row range"});
  EXPECT_LLMC_ERROR(read_rows_f32(m, 2, 1, out.data()), {"'m.f32'", "row range"});
  EXPECT_LLMC_ERROR(read_cols_f32(m, 3, 5, out.data()), {"'m.f32'", "column range [3, 5)"});
  EXPECT_LLMC_ERROR(read_cols_f32(*st_->find("v"), 0, 1, out.data()), {"'v'", "2-D"});
  EXPECT_LLMC_ERROR(read_rows_f32(*st_->find("t"), 0, 1, out.data()), {"'t'", "1-D or 2-D"});
}

TEST_F(SafetensorsFileTest, ShortFile) {
  write_raw(file(), "", {1, 2, 3}, 0);  // 11 bytes would be fine; write 8 + 3, then cut to 5
  std::filesystem::resize_file(file(), 5);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "5 bytes", "8-byte header length"});
}

TEST_F(SafetensorsFileTest, MissingFile) {
  EXPECT_LLMC_ERROR(SafetensorsFile::open(dir_ / "nope.safetensors"), {"nope.safetensors", "cannot open"});
}

TEST_F(SafetensorsFileTest, HeaderLengthPastEndOfFile) {
  write_raw(file(), "{}", {}, /*length_override=*/1000);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "header length 1000", "past the end"});
}

TEST_F(SafetensorsFileTest, HeaderLengthOverTheCap) {
  write_raw(file(), "{}", {}, SafetensorsFile::kMaxHeaderBytes + 1);
  std::filesystem::resize_file(file(), SafetensorsFile::kMaxHeaderBytes + 64);  // sparse: costs no disk
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "exceeds the limit"});
}

TEST_F(SafetensorsFileTest, HeaderNotJson) {
  write_raw(file(), R"({"w": {"dtype": "F32",)", {});
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "not valid JSON"});
  write_raw(file(), "[1, 2]", {});
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "JSON object", "array"});
}

TEST_F(SafetensorsFileTest, BadMetadata) {
  write_raw(file(), R"({"__metadata__": {"format": 3}})", {});
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "__metadata__", "'format'", "string"});
  write_raw(file(), R"({"__metadata__": "pt"})", {});
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"__metadata__", "object"});
}

TEST_F(SafetensorsFileTest, UnknownOrMissingDtype) {
  write_one("[1]", "[0, 4]", 4, "Q4_0");
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()),
                    {file().string(), "tensor 'w'", "unsupported dtype 'Q4_0'"});
  write_raw(file(), R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", std::vector<uint8_t>(4));
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "dtype"});
  write_raw(file(), R"({"w": 5})", {});
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "JSON object"});
}

TEST_F(SafetensorsFileTest, BadShapes) {
  write_one("[2, -1]", "[0, 8]", 8);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "tensor 'w'", "[2,-1]", "non-negative"});
  write_one("[2.5]", "[0, 8]", 8);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "non-negative integers"});
  write_one("4", "[0, 16]", 16);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "shape"});
  write_one("[4294967296, 4294967296]", "[0, 16]", 16);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "overflows"});
}

TEST_F(SafetensorsFileTest, BadOffsets) {
  write_one("[2]", "[0]", 8);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "data_offsets", "[0]"});
  write_one("[2]", "[0, -8]", 8);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "data_offsets"});
  write_one("[0]", "[8, 4]", 8);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {"tensor 'w'", "[8, 4]", "begin after end"});
}

TEST_F(SafetensorsFileTest, OffsetsPastTheDataSection) {
  write_raw(file(), R"({"model.norm.weight": {"dtype": "F32", "shape": [4], "data_offsets": [4, 20]}})",
            std::vector<uint8_t>(16));
  EXPECT_LLMC_ERROR(
      SafetensorsFile::open(file()),
      {file().string() + ": tensor 'model.norm.weight' data_offsets [4, 20] exceed the file's data "
                         "section (16 bytes)"});
}

TEST_F(SafetensorsFileTest, TruncatedData) {
  write_safetensors(
      file(), {{"a", "F32", {4}, f32_bytes({1, 2, 3, 4})}, {"b", "BF16", {8}, std::vector<uint8_t>(16)}});
  std::filesystem::resize_file(file(), std::filesystem::file_size(file()) - 3);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "tensor 'b'", "exceed", "(29 bytes)"});
}

TEST_F(SafetensorsFileTest, SizeMismatch) {
  write_one("[3]", "[0, 16]", 16);
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "tensor 'w'", "16 bytes", "needs 12"});
}

TEST_F(SafetensorsFileTest, OverlappingTensors) {
  write_raw(file(),
            R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},)"
            R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})",
            std::vector<uint8_t>(20));
  EXPECT_LLMC_ERROR(SafetensorsFile::open(file()), {file().string(), "tensor 'b'", "overlap tensor 'a'"});
  // Touching is fine, and so are gaps and empty tensors anywhere.
  write_raw(file(),
            R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},)"
            R"( "e": {"dtype": "F32", "shape": [0], "data_offsets": [8, 8]},)"
            R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [20, 24]}})",
            std::vector<uint8_t>(24));
  EXPECT_EQ(SafetensorsFile::open(file())->tensors().size(), 3u);
}

}  // namespace
}  // namespace llmc
