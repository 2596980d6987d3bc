// vLLM's ShareGPTDataset: conversations with at least two turns; the first turn is the prompt and the
// second's token count the requested output length (or --sharegpt-output-len). Pairs that are too short (< 4
// tokens), too long (prompt > 1024, prompt + output > 2048) are skipped as vLLM skips them; the rest are
// shuffled with the seed and taken in order, repeated from the start when the file has fewer than
// --num-prompts.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/llm_bench/dataset.h"
#include "common/check.h"

namespace llmc::bench {

namespace {

constexpr int64_t kMinLen = 4;
constexpr int64_t kMaxPromptLen = 1024;
constexpr int64_t kMaxTotalLen = 2048;

const nlohmann::json* turns_of(const nlohmann::json& entry) {
  if (!entry.is_object()) return nullptr;
  for (const char* key : {"conversations", "conversation"}) {
    if (entry.contains(key) && entry[key].is_array()) return &entry[key];
  }
  return nullptr;
}

std::string turn_text(const nlohmann::json& turn) {
  if (turn.is_object() && turn.contains("value") && turn["value"].is_string()) return turn["value"];
  if (turn.is_object() && turn.contains("content") && turn["content"].is_string()) return turn["content"];
  return {};
}

}  // namespace

std::vector<SampleRequest> sharegpt_dataset(const Tokenizer& tokenizer, const ShareGptOptions& o) {
  LLMC_CHECK(o.num_prompts > 0) << "--num-prompts must be positive, got " << o.num_prompts;
  std::ifstream in(o.path);
  LLMC_CHECK(in.good()) << "--dataset-path " << o.path.string() << ": cannot open the file";
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  LLMC_CHECK(!doc.is_discarded()) << o.path.string() << ": not valid JSON";
  LLMC_CHECK(doc.is_array()) << o.path.string() << ": a ShareGPT file is a JSON list of conversations";

  std::vector<std::pair<std::string, std::string>> pairs;
  for (const nlohmann::json& entry : doc) {
    const nlohmann::json* turns = turns_of(entry);
    if (!turns || turns->size() < 2) continue;
    pairs.emplace_back(turn_text((*turns)[0]), turn_text((*turns)[1]));
  }
  std::mt19937_64 rng(o.seed);
  std::shuffle(pairs.begin(), pairs.end(), rng);

  std::vector<SampleRequest> requests;
  for (const auto& [prompt, answer] : pairs) {
    if (static_cast<int64_t>(requests.size()) == o.num_prompts) break;
    if (prompt.empty()) continue;
    const auto prompt_len = static_cast<int64_t>(tokenizer.encode(prompt, true).size());
    const int64_t output_len =
        o.output_len > 0 ? o.output_len : static_cast<int64_t>(tokenizer.encode(answer, true).size());
    const bool fixed_output = o.output_len > 0;
    if (prompt_len < kMinLen || (!fixed_output && output_len < kMinLen)) continue;
    if (prompt_len > kMaxPromptLen || prompt_len + output_len > kMaxTotalLen) continue;
    requests.push_back({prompt, prompt_len, output_len});
  }
  LLMC_CHECK(!requests.empty()) << o.path.string() << ": no conversation fits (two turns, 4 to 1024 prompt "
                                << "tokens, at most 2048 with the answer)";
  for (size_t i = 0; static_cast<int64_t>(requests.size()) < o.num_prompts; ++i)
    requests.push_back(requests[i]);
  return requests;
}

}  // namespace llmc::bench
