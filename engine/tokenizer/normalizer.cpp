#include "engine/tokenizer/normalizer.h"

#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "common/check.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/split_pattern.h"
#include "engine/tokenizer/unicode_props.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

using nlohmann::json;

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

// NFC / NFD / NFKC / NFKD through utf8proc, applied only to the stretches of text that can change.
//
// Characters below a limit are their own normal form, have combining class 0 and never compose with what
// precedes them: ASCII under every form, and under NFC everything below U+0300 (NFC_Quick_Check=Yes; the
// characters that compose with a preceding one are all U+0300 or above). The normal form of a text therefore
// splits before each such character, and only the stretches between them go through utf8proc.
class UnicodeNormalizer final : public Normalizer {
 public:
  UnicodeNormalizer(int options, bool composes_only)
      : options_(options), limit_(composes_only ? 0xCC : 0x80) {}  // lead byte of U+0300 / of any non-ASCII

  void normalize(std::string& text) const override {
    size_t i = first_unstable(text, 0);
    if (i == text.size()) return;
    std::string out;
    out.reserve(text.size() + 16);
    size_t copied = 0;
    while (i < text.size()) {
      // Start at the stable character before (it may be the base a combining mark attaches to).
      size_t begin = i;
      if (begin > copied) {
        do --begin;
        while (begin > copied && is_continuation(text[begin]));
      }
      size_t end = i;
      while (end < text.size() && !(is_stable_start(text[end]))) ++end;
      out.append(text, copied, begin - copied);
      append_normalized(std::string_view(text).substr(begin, end - begin), out);
      copied = end;
      i = first_unstable(text, end);
    }
    out.append(text, copied, std::string::npos);
    text = std::move(out);
  }

 private:
  static bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
  bool is_stable_start(char c) const { return static_cast<unsigned char>(c) < limit_ && !is_continuation(c); }
  size_t first_unstable(std::string_view text, size_t from) const {
    while (from < text.size() && static_cast<unsigned char>(text[from]) < limit_) ++from;
    return from;  // every byte below the limit is ASCII, a continuation, or a stable lead byte
  }
  void append_normalized(std::string_view part, std::string& out) const {
    utf8proc_uint8_t* result = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(part.data()),
                                static_cast<utf8proc_ssize_t>(part.size()), &result,
                                static_cast<utf8proc_option_t>(options_));
    LLMC_CHECK(n >= 0) << "tokenizer normalizer: utf8proc failed: " << utf8proc_errmsg(n);
    out.append(reinterpret_cast<const char*>(result), static_cast<size_t>(n));
    std::free(result);
  }

  int options_;
  unsigned char limit_;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(SplitPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override { text = replace_all(pattern_, text, content_); }

 private:
  SplitPattern pattern_;
  std::string content_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
      const char32_t c = utf8::next_code_point(text, i);
      // Rust's char::to_lowercase maps U+0130 to two characters, the one unconditional special case.
      if (c == 0x130) {
        out.append("i\xCC\x87");
        continue;
      }
      utf8::append_code_point(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
    text = std::move(out);
  }
};

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override {
    size_t begin = 0;
    size_t end = text.size();
    if (left_) {
      while (begin < end) {
        size_t next = begin;
        if (!unicode::is_whitespace(utf8::next_code_point(text, next))) break;
        begin = next;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        size_t probe = start;
        if (!unicode::is_whitespace(utf8::next_code_point(text, probe))) break;
        end = start;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_;
  bool right_;
};

class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
      const size_t start = i;
      if (!unicode::is_mark(utf8::next_code_point(text, i))) out.append(text, start, i - start);
    }
    text = std::move(out);
  }
};

class ByteLevelNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    byte_level::append_mapped(out, text);
    text = std::move(out);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& spec, std::string_view where_prefix) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_fields::component_type(spec, where_prefix);
  const std::string where = std::string(where_prefix) + " (" + type + ")";
  if (type == "Sequence") {
    const json& items = json_fields::array_field(spec, "normalizers", where);
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (size_t i = 0; i < items.size(); ++i) {
      steps.push_back(make_normalizer(items[i], std::string(where_prefix) + "[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE, true);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, false);
  if (type == "NFKC") {
    return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT, false);
  }
  if (type == "NFKD") {
    return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, false);
  }
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(json_fields::string_field(spec, "prepend", where));
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(
        SplitPattern::from_json(json_fields::required(spec, "pattern", where), where),
        json_fields::string_field(spec, "content", where));
  }
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(json_fields::bool_field(spec, "strip_left", true, where),
                                             json_fields::bool_field(spec, "strip_right", true, where));
  }
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
  LLMC_FAIL() << where_prefix << ": unsupported normalizer type '" << type
              << "' (supported: Sequence, NFC, NFD, NFKC, NFKD, Prepend, Replace, Lowercase, Strip, "
                 "StripAccents, ByteLevel)";
}

}  // namespace llmc
