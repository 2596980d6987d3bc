#include "runtime/worker/constrained_sampling.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/check.h"
#include "engine/tokenizer/tokenizer.h"

namespace llmc {

ConstrainedSampling::ConstrainedSampling(std::filesystem::path tokenizer_dir, int32_t vocab_size,
                                         std::vector<int32_t> eos_ids)
    : tokenizer_dir_(std::move(tokenizer_dir)), vocab_size_(vocab_size), eos_ids_(std::move(eos_ids)) {}

ConstrainedSampling::~ConstrainedSampling() = default;

grammar::GrammarCompiler& ConstrainedSampling::compiler() {
  if (compiler_) return *compiler_;
  LLMC_CHECK(std::filesystem::exists(tokenizer_dir_ / "tokenizer.json"))
      << "constrained decoding needs the model's tokenizer: no tokenizer.json in " << tokenizer_dir_.string();
  const auto start = std::chrono::steady_clock::now();
  const auto tokenizer = Tokenizer::from_dir(tokenizer_dir_);
  compiler_ = std::make_unique<grammar::GrammarCompiler>(
      grammar::TokenVocabulary::from_tokenizer(*tokenizer, vocab_size_, eos_ids_));
  spdlog::info("constrained decoding: vocabulary of {} tokens from {} in {:.2f} s", vocab_size_,
               tokenizer_dir_.string(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return *compiler_;
}

void ConstrainedSampling::apply(const StepPlan& plan, const RequestStates& states) {
  for (RequestId id : plan.finished_ids) matchers_.erase(id);
  for (const NewRequestPlan& n : plan.new_requests) {
    matchers_.erase(n.id);  // a resumed request starts over
    if (!n.sampling.constraint.active()) continue;
    std::shared_ptr<const grammar::CompiledGrammar> compiled;
    try {
      compiled = compiler().compile(n.sampling.constraint);
    } catch (const Error& e) {
      throw Error("request " + std::to_string(n.id) + ": " + constraint_kind_name(n.sampling.constraint.kind) +
                      " constraint: " + e.what(),
                  e.source_location());
    }
    Entry entry{std::make_unique<grammar::TokenMatcher>(std::move(compiled)), {}};
    entry.mask.resize(static_cast<size_t>(entry.matcher->vocab().mask_words()));
    const WorkerRequest* r = states.find(n.id);
    LLMC_CHECK(r != nullptr) << "constrained decoding: request " << n.id << " is not in the worker's states";
    for (size_t i = static_cast<size_t>(r->num_prompt_tokens); i < r->tokens.size(); ++i) {
      LLMC_CHECK(entry.matcher->accept(r->tokens[i]))
          << "request " << n.id << ": its generated token " << r->tokens[i] << " (output position "
          << i - static_cast<size_t>(r->num_prompt_tokens) << ") is not allowed by its constraint";
    }
    matchers_.emplace(n.id, std::move(entry));
  }
}

std::span<const uint32_t> ConstrainedSampling::mask(RequestId id) {
  auto it = matchers_.find(id);
  if (it == matchers_.end()) return {};
  it->second.matcher->fill_mask(it->second.mask.data());
  return it->second.mask;
}

void ConstrainedSampling::accept(RequestId id, int32_t token) {
  auto it = matchers_.find(id);
  if (it == matchers_.end()) return;
  LLMC_CHECK(it->second.matcher->accept(token))
      << "request " << id << ": sampled token " << token << " that its constraint does not allow";
}

}  // namespace llmc
