// Checkpoint: single-file, sharded (index) and fallback folders, and the folder-level failure paths.
#include "engine/safetensors/checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/engine_io/expect_error.h"
#include "tests/unit/engine_io/safetensors_writer.h"
#include "tests/unit/engine_io/temp_dir.h"

namespace llmc {
namespace {

using test::f32_bytes;
using test::u16_bytes;
using test::write_safetensors;

class CheckpointTest : public test::TempDirTest {
 protected:
  void write_text(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
  }
  // Two shards: embed (bf16) in shard 1, norm + proj (f32) in shard 2.
  void write_shards() {
    write_safetensors(
        dir_ / "model-00001-of-00002.safetensors",
        {{"model.embed_tokens.weight", "BF16", {2, 2}, u16_bytes({0x3FC0, 0x3F80, 0xBF80, 0x4000})}});
    write_safetensors(dir_ / "model-00002-of-00002.safetensors",
                      {{"model.norm.weight", "F32", {2}, f32_bytes({0.25f, 4.0f})},
                       {"model.proj.weight", "F32", {1, 2}, f32_bytes({-1.0f, 2.0f})}});
  }
  void write_index(const std::string& weight_map) {
    write_text("model.safetensors.index.json",
               R"({"metadata": {"total_size": 40}, "weight_map": )" + weight_map + "}");
  }
  static constexpr const char* kGoodMap =
      R"({"model.embed_tokens.weight": "model-00001-of-00002.safetensors",)"
      R"( "model.norm.weight": "model-00002-of-00002.safetensors",)"
      R"( "model.proj.weight": "model-00002-of-00002.safetensors"})";
};

TEST_F(CheckpointTest, SingleFile) {
  write_safetensors(dir_ / "model.safetensors",
                    {{"b", "F32", {1}, f32_bytes({2.0f})}, {"a", "F32", {1}, f32_bytes({1.0f})}});
  // A stray shard beside model.safetensors is not part of the checkpoint.
  write_safetensors(dir_ / "other.safetensors", {{"c", "F32", {1}, f32_bytes({3.0f})}});
  auto ckpt = Checkpoint::open(dir_);
  EXPECT_EQ(ckpt->names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ckpt->contains("a"));
  EXPECT_FALSE(ckpt->contains("c"));
  float v = 0;
  read_f32(ckpt->tensor("b"), &v);
  EXPECT_EQ(v, 2.0f);
  EXPECT_LLMC_ERROR(ckpt->tensor("lm_head.weight"), {"'lm_head.weight'", dir_.string()});
}

TEST_F(CheckpointTest, ShardedWithIndex) {
  write_shards();
  write_index(kGoodMap);
  auto ckpt = Checkpoint::open(dir_);
  EXPECT_EQ(ckpt->files().size(), 2u);
  EXPECT_EQ(ckpt->names(), (std::vector<std::string>{"model.embed_tokens.weight", "model.norm.weight",
                                                     "model.proj.weight"}));
  const TensorView& embed = ckpt->tensor("model.embed_tokens.weight");
  EXPECT_EQ(embed.file, (dir_ / "model-00001-of-00002.safetensors").string());
  float e[4];
  read_f32(embed, e);
  EXPECT_EQ(std::vector<float>(e, e + 4), (std::vector<float>{1.5f, 1.0f, -1.0f, 2.0f}));
  read_cols_f32(embed, 1, 2, e);  // column 1 of [[1.5, 1], [-1, 2]]
  EXPECT_EQ(e[0], 1.0f);
  EXPECT_EQ(e[1], 2.0f);
  float n[2];
  read_f32(ckpt->tensor("model.norm.weight"), n);
  EXPECT_EQ(n[1], 4.0f);
}

TEST_F(CheckpointTest, FallbackToEverySafetensorsFile) {
  write_shards();
  auto ckpt = Checkpoint::open(dir_);
  EXPECT_EQ(ckpt->names().size(), 3u);
  EXPECT_TRUE(ckpt->contains("model.proj.weight"));
}

TEST_F(CheckpointTest, MissingShard) {
  write_shards();
  std::filesystem::remove(dir_ / "model-00002-of-00002.safetensors");
  write_index(kGoodMap);
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_),
                    {"model.safetensors.index.json", "'model-00002-of-00002.safetensors'", "missing",
                     "'model.norm.weight'"});
}

TEST_F(CheckpointTest, TensorMissingFromItsShard) {
  write_shards();
  write_index(R"({"model.embed_tokens.weight": "model-00001-of-00002.safetensors",)"
              R"( "model.norm.weight": "model-00002-of-00002.safetensors",)"
              R"( "model.gone.weight": "model-00002-of-00002.safetensors"})");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_),
                    {"'model.gone.weight'", "model-00002-of-00002.safetensors", "does not contain it"});
}

TEST_F(CheckpointTest, TensorListedInTheWrongShard) {
  write_shards();
  write_index(R"({"model.embed_tokens.weight": "model-00001-of-00002.safetensors",)"
              R"( "model.norm.weight": "model-00001-of-00002.safetensors",)"
              R"( "model.proj.weight": "model-00002-of-00002.safetensors"})");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"'model.norm.weight'", "model-00001-of-00002.safetensors",
                                             "found in", "model-00002-of-00002.safetensors"});
}

TEST_F(CheckpointTest, NameInTwoShards) {
  write_shards();
  write_safetensors(dir_ / "model-00001-of-00002.safetensors",
                    {{"model.embed_tokens.weight", "F32", {1}, f32_bytes({1})},
                     {"model.norm.weight", "F32", {2}, f32_bytes({1, 2})}});
  write_index(kGoodMap);
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_),
                    {"'model.norm.weight'", "two files", "model-00001-of-00002", "model-00002-of-00002"});
  std::filesystem::remove(dir_ / "model.safetensors.index.json");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"'model.norm.weight'", "two files"});
}

TEST_F(CheckpointTest, BadIndex) {
  write_shards();
  write_text("model.safetensors.index.json", "{\"weight_map\": ");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"model.safetensors.index.json", "not valid JSON"});
  write_text("model.safetensors.index.json", R"({"metadata": {}})");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"model.safetensors.index.json", "weight_map"});
  write_index(R"({"model.norm.weight": 2})");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"'model.norm.weight'", "file name string"});
  write_index(R"({"model.norm.weight": "../model-00002-of-00002.safetensors"})");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"'model.norm.weight'", "plain file name"});
}

TEST_F(CheckpointTest, BadShardIsReportedWithItsName) {
  write_shards();
  write_index(kGoodMap);
  std::filesystem::resize_file(dir_ / "model-00002-of-00002.safetensors", 6);
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {"model-00002-of-00002.safetensors", "too short"});
}

TEST_F(CheckpointTest, NoWeights) {
  write_text("config.json", "{}");
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_), {dir_.string(), "no weights found"});
  EXPECT_LLMC_ERROR(Checkpoint::open(dir_ / "absent"), {"absent", "does not exist"});
}

}  // namespace
}  // namespace llmc
