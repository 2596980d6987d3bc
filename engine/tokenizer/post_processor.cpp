#include "engine/tokenizer/post_processor.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/json_fields.h"

namespace llmc {
namespace {

using nlohmann::json;

// The single-sequence template as a list of ids, kSequence marking where the sequence goes.
class TemplateProcessor final : public PostProcessor {
 public:
  static constexpr int32_t kSequence = -1;
  explicit TemplateProcessor(std::vector<int32_t> items) : items_(std::move(items)) {}
  void process(std::vector<int32_t>& ids) const override {
    std::vector<int32_t> out;
    out.reserve(ids.size() + items_.size());
    for (const int32_t item : items_) {
      if (item == kSequence) out.insert(out.end(), ids.begin(), ids.end());
      else out.push_back(item);
    }
    ids = std::move(out);
  }

 private:
  std::vector<int32_t> items_;
};

class SequenceProcessor final : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(std::vector<int32_t>& ids) const override {
    for (const auto& step : steps_) step->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

class NoOpProcessor final : public PostProcessor {
 public:
  void process(std::vector<int32_t>&) const override {}
};

std::unique_ptr<PostProcessor> make_template(const json& spec, const std::string& where) {
  const json& single = json_fields::array_field(spec, "single", where);
  const json& specials = json_fields::required(spec, "special_tokens", where);
  std::vector<int32_t> items;
  bool has_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string at = where + ": single[" + std::to_string(i) + "]";
    const json& piece = single[i];
    if (const json* seq = json_fields::optional(piece, "Sequence")) {
      const std::string name = json_fields::string_field(*seq, "id", at);
      LLMC_CHECK(name == "A") << at << ": a single-sequence template can only use $A, got $" << name;
      items.push_back(TemplateProcessor::kSequence);
      has_sequence = true;
    } else if (const json* special = json_fields::optional(piece, "SpecialToken")) {
      const std::string name = json_fields::string_field(*special, "id", at);
      const json& entry = json_fields::required(specials, name, where + ": special_tokens");
      for (const json& id : json_fields::array_field(entry, "ids", where + ": special_tokens." + name)) {
        LLMC_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0)
            << where << ": special_tokens." << name << " ids must be non-negative integers, got " << id.dump();
        items.push_back(id.get<int32_t>());
      }
    } else {
      LLMC_FAIL() << at << ": expected {\"Sequence\": ...} or {\"SpecialToken\": ...}, got " << piece.dump();
    }
  }
  LLMC_CHECK(has_sequence) << where << ": the single template never places the sequence ($A)";
  return std::make_unique<TemplateProcessor>(std::move(items));
}

// RobertaProcessing / BertProcessing: "cls": [token, id], "sep": [token, id] -> cls $A sep.
std::unique_ptr<PostProcessor> make_cls_sep(const json& spec, const std::string& where) {
  auto id_of = [&](std::string_view key) {
    const json& pair = json_fields::required(spec, key, where);
    LLMC_CHECK(pair.is_array() && pair.size() == 2 && pair[1].is_number_integer())
        << where << ": '" << key << "' must be [token, id], got " << pair.dump();
    return pair[1].get<int32_t>();
  };
  return std::make_unique<TemplateProcessor>(
      std::vector<int32_t>{id_of("cls"), TemplateProcessor::kSequence, id_of("sep")});
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& spec, std::string_view where_prefix) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_fields::component_type(spec, where_prefix);
  const std::string where = std::string(where_prefix) + " (" + type + ")";
  if (type == "TemplateProcessing") return make_template(spec, where);
  if (type == "ByteLevel") return std::make_unique<NoOpProcessor>();
  if (type == "RobertaProcessing" || type == "BertProcessing") return make_cls_sep(spec, where);
  if (type == "Sequence") {
    const json& items = json_fields::array_field(spec, "processors", where);
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (size_t i = 0; i < items.size(); ++i) {
      steps.push_back(make_post_processor(items[i], std::string(where_prefix) + "[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequenceProcessor>(std::move(steps));
  }
  LLMC_FAIL() << where_prefix << ": unsupported post_processor type '" << type
              << "' (supported: TemplateProcessing, ByteLevel, Sequence, RobertaProcessing, BertProcessing)";
}

std::unique_ptr<PostProcessor> make_bos_eos_processor(std::optional<int32_t> bos, std::optional<int32_t> eos) {
  std::vector<int32_t> items;
  if (bos) items.push_back(*bos);
  items.push_back(TemplateProcessor::kSequence);
  if (eos) items.push_back(*eos);
  return std::make_unique<TemplateProcessor>(std::move(items));
}

}  // namespace llmc
