#include "engine/tokenizer/model.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/bpe_model.h"
#include "engine/tokenizer/json_fields.h"

namespace llmc {

std::unique_ptr<Model> make_model(const nlohmann::json& spec, std::string_view where) {
  LLMC_CHECK(spec.is_object()) << where << ": must be an object, got " << spec.type_name();
  // Files written by old versions of tokenizers leave out "type"; a BPE is recognised by its merges.
  const std::string type =
      spec.contains("type") ? json_fields::component_type(spec, where) : (spec.contains("merges") ? "BPE" : "");
  if (type == "BPE") return std::make_unique<BpeModel>(spec, std::string(where) + " (BPE)");
  LLMC_FAIL() << where << ": unsupported model type '" << type << "' (supported: BPE)";
}

}  // namespace llmc
