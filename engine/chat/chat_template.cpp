#include "engine/chat/chat_template.h"

#include "engine/chat/jinja_interp.h"
#include "engine/chat/jinja_json.h"
#include "engine/chat/jinja_parser.h"

namespace llmc {
namespace {

std::string at(int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

ChatTemplate ChatTemplate::parse(std::string source, std::string origin) {
  ChatTemplate t;
  try {
    t.template_ = jinja::parse_template(source);
  } catch (const jinja::SyntaxError& e) {
    const jinja::SourcePos pos = e.pos();
    throw ChatTemplateError(origin + ": syntax error at " + at(pos.line, pos.column) + ": " + e.what(),
                            pos.line, pos.column, false);
  }
  t.source_ = std::move(source);
  t.origin_ = std::move(origin);
  return t;
}

template <typename Json>
std::string ChatTemplate::render_json(const Json& variables) const {
  if (!variables.is_object()) {
    throw ChatTemplateError(
        origin_ + ": template variables must be a JSON object, got " + std::string(variables.type_name()), 0,
        0, false);
  }
  jinja::Value vars;
  try {
    vars = jinja::value_from_json(variables);
  } catch (const jinja::TemplateError& e) {
    throw ChatTemplateError(origin_ + ": template variables: " + e.what(), 0, 0, false);
  }
  jinja::Interp interp(jinja::Limits{limits_.max_output_bytes, limits_.max_steps, limits_.max_depth});
  try {
    return interp.render(*template_, vars);
  } catch (const jinja::RaisedError& e) {
    const jinja::SourcePos pos = interp.pos();
    throw ChatTemplateError(origin_ + " raised an error: " + e.what() + " (" + at(pos.line, pos.column) + ")",
                            pos.line, pos.column, true);
  } catch (const jinja::TemplateError& e) {
    const jinja::SourcePos pos = interp.pos();
    throw ChatTemplateError(origin_ + ": error at " + at(pos.line, pos.column) + ": " + e.what(), pos.line,
                            pos.column, false);
  }
}

std::string ChatTemplate::render(const nlohmann::ordered_json& variables) const {
  return render_json(variables);
}
std::string ChatTemplate::render(const nlohmann::json& variables) const { return render_json(variables); }

}  // namespace llmc
