#include "engine/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/check.h"
#include "common/log.h"
#include "engine/tokenizer/oniguruma_syntax.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buffer));
}

// Per-thread match state: match data and match context are not thread-safe, and allocating them per call
// would dominate the cost of short matches. One ovector pair is enough: only the whole match is used.
struct ThreadMatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;

  ThreadMatchState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    // Patterns like \s+(?!\S) backtrack over long whitespace runs; a larger JIT stack than the 32 KiB
    // default keeps them from failing on long inputs.
    jit_stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, nullptr);
    LLMC_CHECK(data && context && jit_stack) << "tokenizer regex: out of memory creating PCRE2 match state";
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~ThreadMatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  ThreadMatchState(const ThreadMatchState&) = delete;
  ThreadMatchState& operator=(const ThreadMatchState&) = delete;
};

ThreadMatchState& thread_match_state() {
  thread_local ThreadMatchState state;
  return state;
}

}  // namespace

Regex::Regex(std::string_view pcre2_pattern, std::string_view where) : pattern_(pcre2_pattern), where_(where) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  // MULTILINE: in the Ruby syntax HF patterns are written in, ^ and $ match at every line.
  const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern_.data()), pattern_.size(), options,
                                   &error_code, &error_offset, nullptr);
  LLMC_CHECK(code != nullptr) << where << ": cannot compile regex at offset " << error_offset << ": "
                              << pcre2_message(error_code) << " (pattern: " << pattern_ << ")";
  code_ = code;
  const int jit_rc = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  if (jit_rc != 0) {
    // Still correct through the interpreter, only slower; say so once per pattern.
    spdlog::warn("{}: PCRE2 JIT unavailable ({}); regex runs interpreted", where, pcre2_message(jit_rc));
  }
}

std::unique_ptr<Regex> Regex::from_oniguruma(std::string_view pattern, std::string_view where) {
  return std::make_unique<Regex>(translate_oniguruma(pattern, where), where);
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

void Regex::find_all(std::string_view text, std::vector<Span>& out) const {
  auto* code = static_cast<pcre2_code*>(code_);
  ThreadMatchState& state = thread_match_state();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  size_t last_match_end = std::string_view::npos;
  while (pos <= text.size()) {
    const int rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    LLMC_CHECK(rc >= 0) << where_ << ": regex match failed: " << pcre2_message(rc) << " (pattern: " << pattern_
                        << ", input of " << text.size() << " bytes)";
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (begin == end && end == last_match_end) {
      // Oniguruma's iterator refuses an empty match touching the previous one and retries one character on.
      if (pos >= text.size()) break;
      pos += utf8::sequence_length(static_cast<unsigned char>(text[pos]));
      continue;
    }
    out.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
    pos = end;
    last_match_end = end;
  }
}

}  // namespace llmc
