#include "engine/tokenizer/pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/metaspace.h"
#include "engine/tokenizer/split_pattern.h"
#include "engine/tokenizer/unicode_props.h"

namespace llmc {
namespace {

using nlohmann::json;

// The pattern GPT-2 (and tokenizers' ByteLevel with use_regex) splits on, in Oniguruma syntax.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Components that only cut pieces into smaller pieces, never rewriting text.
class SplittingPreTokenizer final : public PreTokenizer {
 public:
  SplittingPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(PieceList& list, PieceList& scratch) const override {
    thread_local std::vector<Span> matches;
    thread_local std::vector<Span> spans;
    scratch.pieces.clear();
    for (const Piece& piece : list.pieces) {
      matches.clear();
      spans.clear();
      pattern_.find_matches(list.view(piece), matches);
      apply_split(piece.end - piece.begin, matches, behavior_, invert_, spans);
      for (const Span& s : spans) {
        scratch.pieces.push_back({piece.begin + s.begin, piece.begin + s.end, piece.at_origin && s.begin == 0});
      }
    }
    list.pieces.swap(scratch.pieces);
  }

 private:
  SplitPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(PieceList& list, PieceList& scratch) const override {
    for (const auto& step : steps_) step->pre_tokenize(list, scratch);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

// Optional prefix space, optional GPT-2 split, then every byte mapped to its printable stand-in.
class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, std::string_view where)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? Regex::from_oniguruma(kGpt2Pattern, where) : nullptr) {}

  void pre_tokenize(PieceList& list, PieceList& scratch) const override {
    thread_local std::string prefixed;
    thread_local std::vector<Span> matches;
    thread_local std::vector<Span> spans;
    scratch.text.clear();
    scratch.pieces.clear();
    for (const Piece& piece : list.pieces) {
      std::string_view word = list.view(piece);
      if (add_prefix_space_ && (word.empty() || word.front() != ' ')) {
        prefixed.clear();
        prefixed.push_back(' ');
        prefixed.append(word);
        word = prefixed;
      }
      spans.clear();
      if (regex_) {
        matches.clear();
        regex_->find_all(word, matches);
        apply_split(static_cast<uint32_t>(word.size()), matches, SplitBehavior::kIsolated, false, spans);
      } else if (!word.empty()) {
        spans.push_back({0, static_cast<uint32_t>(word.size())});
      }
      for (const Span& s : spans) {
        const auto begin = static_cast<uint32_t>(scratch.text.size());
        byte_level::append_mapped(scratch.text, word.substr(s.begin, s.end - s.begin));
        scratch.pieces.push_back({begin, static_cast<uint32_t>(scratch.text.size()), piece.at_origin && s.begin == 0});
      }
    }
    std::swap(list, scratch);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(MetaspaceOptions options, bool split)
      : options_(std::move(options)), split_(split), pattern_(SplitPattern::literal(options_.replacement)) {}

  void pre_tokenize(PieceList& list, PieceList& scratch) const override {
    thread_local std::string word;
    thread_local std::vector<Span> matches;
    thread_local std::vector<Span> spans;
    scratch.text.clear();
    scratch.pieces.clear();
    for (const Piece& piece : list.pieces) {
      word.clear();
      metaspace_encode(options_, list.view(piece), piece.at_origin, word);
      spans.clear();
      if (split_) {
        matches.clear();
        pattern_.find_matches(word, matches);
        apply_split(static_cast<uint32_t>(word.size()), matches, SplitBehavior::kMergedWithNext, false, spans);
      } else if (!word.empty()) {
        spans.push_back({0, static_cast<uint32_t>(word.size())});
      }
      const auto base = static_cast<uint32_t>(scratch.text.size());
      scratch.text.append(word);
      for (const Span& s : spans) {
        scratch.pieces.push_back({base + s.begin, base + s.end, piece.at_origin && s.begin == 0});
      }
    }
    std::swap(list, scratch);
  }

 private:
  MetaspaceOptions options_;
  bool split_;
  SplitPattern pattern_;
};

std::unique_ptr<PreTokenizer> splitting(SplitPattern pattern, SplitBehavior behavior, bool invert = false) {
  return std::make_unique<SplittingPreTokenizer>(std::move(pattern), behavior, invert);
}

std::unique_ptr<PreTokenizer> make_split(const json& spec, const std::string& where) {
  return splitting(SplitPattern::from_json(json_fields::required(spec, "pattern", where), where),
                   parse_split_behavior(json_fields::required(spec, "behavior", where), where),
                   json_fields::bool_field(spec, "invert", false, where));
}

std::unique_ptr<PreTokenizer> make_sequence(const json& spec, std::string_view where_prefix, const std::string& where) {
  const json& items = json_fields::array_field(spec, "pretokenizers", where);
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  for (size_t i = 0; i < items.size(); ++i) {
    steps.push_back(make_pre_tokenizer(items[i], std::string(where_prefix) + "[" + std::to_string(i) + "]"));
  }
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

std::unique_ptr<PreTokenizer> make_bert() {
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  steps.push_back(splitting(SplitPattern::predicate(unicode::is_whitespace), SplitBehavior::kRemoved));
  steps.push_back(splitting(SplitPattern::predicate(unicode::is_punctuation), SplitBehavior::kIsolated));
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& spec, std::string_view where_prefix) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_fields::component_type(spec, where_prefix);
  const std::string where = std::string(where_prefix) + " (" + type + ")";
  if (type == "Sequence") return make_sequence(spec, where_prefix, where);
  if (type == "Split") return make_split(spec, where);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(json_fields::bool_field(spec, "add_prefix_space", true, where),
                                                   json_fields::bool_field(spec, "use_regex", true, where), where);
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspacePreTokenizer>(parse_metaspace_options(spec, where),
                                                   json_fields::bool_field(spec, "split", true, where));
  }
  if (type == "Digits") {
    const bool individual = json_fields::bool_field(spec, "individual_digits", false, where);
    return splitting(SplitPattern::predicate(unicode::is_numeric),
                     individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous);
  }
  if (type == "Punctuation") {
    const json* behavior = json_fields::optional(spec, "behavior");
    return splitting(SplitPattern::predicate(unicode::is_punctuation),
                     behavior ? parse_split_behavior(*behavior, where) : SplitBehavior::kIsolated);
  }
  if (type == "WhitespaceSplit") {
    return splitting(SplitPattern::predicate(unicode::is_whitespace), SplitBehavior::kRemoved);
  }
  if (type == "Whitespace") {
    // tokenizers' Whitespace keeps the matches of \w+|[^\w\s]+ and drops the rest.
    return splitting(SplitPattern::from_json(json{{"Regex", R"(\w+|[^\w\s]+)"}}, where), SplitBehavior::kRemoved,
                     true);
  }
  if (type == "BertPreTokenizer") return make_bert();
  if (type == "CharDelimiterSplit") {
    return splitting(SplitPattern::literal(json_fields::string_field(spec, "delimiter", where)),
                     SplitBehavior::kRemoved);
  }
  LLMC_FAIL() << where_prefix << ": unsupported pre_tokenizer type '" << type
              << "' (supported: Sequence, Split, ByteLevel, Metaspace, Digits, Punctuation, WhitespaceSplit, "
                 "Whitespace, BertPreTokenizer, CharDelimiterSplit)";
}

}  // namespace llmc
