// Chat templates: the Jinja programs Hugging Face models ship to turn a message list into a prompt.
//
// ChatTemplate renders them as transformers' apply_chat_template does (jinja2 with trim_blocks,
// lstrip_blocks, loopcontrols, HF's tojson, raise_exception and strftime_now, in the immutable sandbox),
// byte for byte. Parse once per model, render per request; render is const and safe to call from many
// threads at once. A template can never crash or hang the caller: errors throw ChatTemplateError with the
// line and column, and every render is bounded in work, output size and recursion depth. At the default
// limits a render needs about 0.5 MB of stack (measured with the recursion limit reached); ordinary thread
// stacks (8 MB) are ample.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/check.h"

namespace llmc {

namespace jinja {
struct Template;
}

// A template that does not parse, fails while rendering, or calls raise_exception().
class ChatTemplateError : public Error {
 public:
  ChatTemplateError(const std::string& message, int line, int column, bool raised_by_template)
      : Error(message), line_(line), column_(column), raised_by_template_(raised_by_template) {}
  int line() const { return line_; }      // 1-based; 0 when unknown
  int column() const { return column_; }  // 1-based, in code points
  // True for raise_exception(): the template rejected the input (a client error, not a broken template).
  bool raised_by_template() const { return raised_by_template_; }

 private:
  int line_;
  int column_;
  bool raised_by_template_;
};

struct ChatTemplateLimits {
  size_t max_output_bytes = size_t{32} << 20;  // also bounds every intermediate string or list
  int64_t max_steps = 20'000'000;              // roughly one per node evaluated / element touched
  int max_depth = 600;                         // nested macro calls and expression evaluation
};

class ChatTemplate {
 public:
  // Throws ChatTemplateError "<origin>: syntax error at line L, column C: <what>" (unknown filters and
  // tests included, as jinja2 reports them when compiling).
  static ChatTemplate parse(std::string source, std::string origin = "chat template");

  // `variables` must be a JSON object; each member becomes a template variable. A member that is absent
  // is undefined in the template (`is defined` false), a null member is None. With ordered_json, object key
  // order is kept, which `tojson` and `.items()` show; nlohmann::json sorts keys.
  std::string render(const nlohmann::ordered_json& variables) const;
  std::string render(const nlohmann::json& variables) const;

  void set_limits(const ChatTemplateLimits& limits) { limits_ = limits; }
  const ChatTemplateLimits& limits() const { return limits_; }
  const std::string& source() const { return source_; }
  const std::string& origin() const { return origin_; }

 private:
  ChatTemplate() = default;
  template <typename Json>
  std::string render_json(const Json& variables) const;

  std::shared_ptr<const jinja::Template> template_;
  std::string source_;
  std::string origin_;
  ChatTemplateLimits limits_;
};

}  // namespace llmc
