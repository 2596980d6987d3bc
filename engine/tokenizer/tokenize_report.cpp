#include "engine/tokenizer/tokenize_report.h"

#include "common/check.h"
#include "engine/tokenizer/tokenizer.h"

namespace llmc {

nlohmann::json tokenize_report(const Tokenizer& tokenizer, const nlohmann::json& strings) {
  LLMC_CHECK(strings.is_array()) << "tokenize: input must be a JSON array of strings, got " << strings.type_name();
  nlohmann::json report = nlohmann::json::array();
  for (size_t i = 0; i < strings.size(); ++i) {
    LLMC_CHECK(strings[i].is_string()) << "tokenize: input[" << i << "] must be a string, got "
                                       << strings[i].type_name();
    const auto& text = strings[i].get_ref<const std::string&>();
    const std::vector<int32_t> ids = tokenizer.encode(text, false);
    report.push_back({{"text", text},
                      {"ids", ids},
                      {"ids_with_special", tokenizer.encode(text, true)},
                      {"decoded", tokenizer.decode(ids, /*skip_special_tokens=*/false, /*clean_up_spaces=*/false)}});
  }
  return report;
}

}  // namespace llmc
