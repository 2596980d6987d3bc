#include "engine/tokenizer/decoder.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/metaspace.h"
#include "engine/tokenizer/split_pattern.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

using nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Every character of a token maps back to one byte; a token with any other character (an added token such
// as DeepSeek's "<｜User｜>") contributes its own UTF-8 bytes instead.
class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    decode_chain_raw(tokens);
    std::string text;
    utf8::append_lossy(text, tokens[0]);
    tokens[0] = std::move(text);
  }
  void decode_chain_raw(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      const size_t start = bytes.size();
      size_t i = 0;
      bool mapped = true;
      while (i < token.size()) {
        const int b = byte_level::char_to_byte(utf8::next_code_point(token, i));
        if (b < 0) {
          mapped = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!mapped) bytes.replace(start, std::string::npos, token);
    }
    tokens.assign(1, std::move(bytes));
  }
};

class MetaspaceDecoder final : public Decoder {
 public:
  explicit MetaspaceDecoder(MetaspaceOptions options) : options_(std::move(options)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      // The first token loses its replacement characters instead of turning them into spaces.
      const bool drop = i == 0 && options_.prepend_scheme != PrependScheme::kNever;
      tokens[i] = replace_all(SplitPattern::literal(options_.replacement), tokens[i], drop ? "" : " ");
    }
  }

 private:
  MetaspaceOptions options_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(SplitPattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = replace_all(pattern_, token, content_);
  }

 private:
  SplitPattern pattern_;
  std::string content_;
};

// Runs of <0xXX> tokens become the text their bytes spell, or one U+FFFD per byte when the run is not
// well-formed UTF-8.
class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override { decode(tokens, false); }
  void decode_chain_raw(std::vector<std::string>& tokens) const override { decode(tokens, true); }
  bool has_byte_fallback() const override { return true; }

 private:
  static void decode(std::vector<std::string>& tokens, bool raw) {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string run;
    auto flush = [&] {
      if (run.empty()) return;
      if (raw || utf8::is_valid(run)) {
        out.push_back(run);
      } else {
        for (size_t k = 0; k < run.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      run.clear();
    };
    for (std::string& token : tokens) {
      const int b = byte_fallback_value(token);
      if (b >= 0) {
        run.push_back(static_cast<char>(b));
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& t : tokens) joined += t;
    tokens.assign(1, std::move(joined));
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      std::string_view t = token;
      for (size_t k = 0; k < start_ && t.starts_with(content_); ++k) t.remove_prefix(content_.size());
      for (size_t k = 0; k < stop_ && t.ends_with(content_); ++k) t.remove_suffix(content_.size());
      token = std::string(t);
    }
  }

 private:
  std::string content_;
  size_t start_;
  size_t stop_;
};

// The end-of-word suffix becomes a space, except in the last token where it disappears.
class BpeSuffixDecoder final : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = replace_all(SplitPattern::literal(suffix_), tokens[i], i + 1 == tokens.size() ? "" : " ");
    }
  }

 private:
  std::string suffix_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }
  void decode_chain_raw(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain_raw(tokens);
  }
  bool has_byte_fallback() const override {
    for (const auto& step : steps_) {
      if (step->has_byte_fallback()) return true;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

size_t count_field(const json& spec, std::string_view key, const std::string& where) {
  const int64_t v = json_fields::int_field(spec, key, where);
  LLMC_CHECK(v >= 0) << where << ": '" << key << "' must be non-negative, got " << v;
  return static_cast<size_t>(v);
}

}  // namespace

int byte_fallback_value(std::string_view token) {
  if (token.size() != 6 || !token.starts_with("<0x") || token[5] != '>') return -1;
  const int hi = hex_value(token[3]);
  const int lo = hex_value(token[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::unique_ptr<Decoder> make_decoder(const json& spec, std::string_view where_prefix) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_fields::component_type(spec, where_prefix);
  const std::string where = std::string(where_prefix) + " (" + type + ")";
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") return std::make_unique<MetaspaceDecoder>(parse_metaspace_options(spec, where));
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(
        SplitPattern::from_json(json_fields::required(spec, "pattern", where), where),
        json_fields::string_field(spec, "content", where));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(json_fields::string_field(spec, "content", where),
                                          count_field(spec, "start", where), count_field(spec, "stop", where));
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeSuffixDecoder>(
        json_fields::optional_string(spec, "suffix", where).value_or("</w>"));
  }
  if (type == "Sequence") {
    const json& items = json_fields::array_field(spec, "decoders", where);
    std::vector<std::unique_ptr<Decoder>> steps;
    for (size_t i = 0; i < items.size(); ++i) {
      steps.push_back(make_decoder(items[i], std::string(where_prefix) + "[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  LLMC_FAIL() << where_prefix << ": unsupported decoder type '" << type
              << "' (supported: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder, Sequence)";
}

}  // namespace llmc
