// tokenizer.json "post_processor": the special tokens encode(..., add_special_tokens=true) puts around the
// ids of one sequence. Supported types: TemplateProcessing, ByteLevel (offsets only: no change to ids),
// Sequence, RobertaProcessing, BertProcessing. Pairs, offsets and type ids are out of scope.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Called only when special tokens are wanted.
  virtual void process(std::vector<int32_t>& ids) const = 0;
};

// A null spec gives nullptr (nothing added).
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec, std::string_view where);

// The processor transformers installs for Llama/Gemma-style configs: [bos] $A [eos] (either may be absent).
std::unique_ptr<PostProcessor> make_bos_eos_processor(std::optional<int32_t> bos, std::optional<int32_t> eos);

}  // namespace llmc
