#include "runtime/head/http/tool_request.h"

#include "runtime/head/http/api_error.h"

namespace llmc::http_api {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json validated_tools(const ordered_json& list) {
  if (!list.is_array()) throw bad_request("'tools' must be a list of tools", "tools");
  for (size_t i = 0; i < list.size(); ++i) {
    const ordered_json& tool = list[i];
    const std::string where = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object() || tool.value("type", ordered_json()) != "function" || !tool.contains("function") ||
        !tool["function"].is_object()) {
      throw bad_request(where + " must be {\"type\": \"function\", \"function\": {...}}", "tools");
    }
    const ordered_json& f = tool["function"];
    if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
      throw bad_request(where + ".function.name must be a non-empty string", "tools");
    if (f.contains("parameters") && !f["parameters"].is_null() && !f["parameters"].is_object())
      throw bad_request(where + ".function.parameters must be a JSON schema object", "tools");
    if (f.contains("description") && !f["description"].is_null() && !f["description"].is_string())
      throw bad_request(where + ".function.description must be a string", "tools");
  }
  return list;
}

bool has_function(const ordered_json& tools, const std::string& name) {
  for (const ordered_json& t : tools) {
    if (t["function"]["name"] == name) return true;
  }
  return false;
}

void read_choice(const ordered_json& value, ToolRequest& r) {
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s == "none")
      r.choice = ToolChoice::kNone;
    else if (s == "auto")
      r.choice = ToolChoice::kAuto;
    else if (s == "required")
      r.choice = ToolChoice::kRequired;
    else
      throw bad_request("tool_choice must be \"none\", \"auto\", \"required\" or a named function",
                        "tool_choice");
    return;
  }
  if (!value.is_object() || value.value("type", ordered_json()) != "function" ||
      !value.contains("function") || !value["function"].is_object() || !value["function"].contains("name") ||
      !value["function"]["name"].is_string()) {
    throw bad_request(
        "tool_choice must be \"none\", \"auto\", \"required\" or "
        "{\"type\": \"function\", \"function\": {\"name\": ...}}",
        "tool_choice");
  }
  r.choice = ToolChoice::kNamed;
  r.function = value["function"]["name"].get<std::string>();
}

}  // namespace

const char* tool_choice_name(ToolChoice choice) {
  switch (choice) {
    case ToolChoice::kNone:
      return "none";
    case ToolChoice::kAuto:
      return "auto";
    case ToolChoice::kRequired:
      return "required";
    case ToolChoice::kNamed:
      return "named function";
  }
  return "";
}

ToolRequest read_tool_request(const CheckedBody& body, const ordered_json& ordered,
                              const ServedModel& model) {
  ToolRequest r;
  r.output.reasoning = model.reasoning_format;
  const bool has_tools = body.has("tools");
  if (has_tools) r.tools = validated_tools(ordered["tools"]);
  r.choice = has_tools ? ToolChoice::kAuto : ToolChoice::kNone;
  if (body.has("tool_choice")) read_choice(ordered["tool_choice"], r);
  r.parallel_tool_calls = body.get<bool>("parallel_tool_calls").value_or(true);
  if (r.choice == ToolChoice::kNone) return r;
  if (!has_tools)
    throw bad_request("tool_choice \"" + std::string(tool_choice_name(r.choice)) + "\" needs 'tools'",
                      "tool_choice");
  if (r.choice == ToolChoice::kNamed && !has_function(r.tools, r.function))
    throw bad_request("tool_choice names the function '" + r.function + "', which is not in 'tools'",
                      "tool_choice");
  if (r.choice == ToolChoice::kAuto && !(model.enable_auto_tool_choice && model.tool_call_format)) {
    throw bad_request(
        "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set",
        "tool_choice");
  }
  if (!model.tool_call_format) {
    throw bad_request(std::string("tool_choice \"") + tool_choice_name(r.choice) +
                          "\" needs to know how this model writes tool calls: start the server with "
                          "--tool-call-parser (" +
                          tools::tool_call_format_names() + ")",
                      "tool_choice");
  }
  const tools::ToolCallFormat format = *model.tool_call_format;
  r.output.tool_calls = format;
  r.output.parallel_tool_calls = r.parallel_tool_calls;
  r.keep_special_tokens = format == tools::ToolCallFormat::kMistral;
  if (r.choice == ToolChoice::kRequired || r.choice == ToolChoice::kNamed) {
    r.constraint = tools::forced_tool_call_constraint(
        format, r.tools,
        r.choice == ToolChoice::kNamed ? std::optional<std::string>(r.function) : std::nullopt,
        r.parallel_tool_calls);
    r.output.forced_prefix = r.constraint->prompt_suffix;
  }
  return r;
}

}  // namespace llmc::http_api
