#include "runtime/head/tools/tool_call_constraint.h"

#include "common/check.h"

namespace llmc::tools {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json call_schema(const ordered_json& function, const char* arguments_key) {
  ordered_json parameters = ordered_json{{"type", "object"}, {"properties", ordered_json::object()}};
  if (function.contains("parameters") && function["parameters"].is_object() &&
      !function["parameters"].empty())
    parameters = function["parameters"];
  ordered_json properties = ordered_json::object();
  properties["name"] = {{"type", "string"}, {"enum", {function["name"]}}};
  properties[arguments_key] = std::move(parameters);
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", {"name", arguments_key}},
          {"additionalProperties", false}};
}

}  // namespace

ToolCallConstraint forced_tool_call_constraint(ToolCallFormat format, const ordered_json& tools,
                                               const std::optional<std::string>& only,
                                               bool parallel_tool_calls) {
  const char* arguments_key = format == ToolCallFormat::kLlama3Json ? "parameters" : "arguments";
  ordered_json choices = ordered_json::array();
  bool strict = true;
  for (const ordered_json& tool : tools) {
    const ordered_json& function = tool.at("function");
    if (only && function.at("name").get<std::string>() != *only) continue;
    choices.push_back(call_schema(function, arguments_key));
    strict = strict && function.value("strict", false) == true;
  }
  LLMC_CHECK(!choices.empty()) << "forced_tool_call_constraint: no tool "
                               << (only ? "named " + *only : "given");
  ordered_json call =
      choices.size() == 1 ? std::move(choices[0]) : ordered_json{{"anyOf", std::move(choices)}};

  ToolCallConstraint c;
  c.strict = strict;
  switch (format) {
    case ToolCallFormat::kHermes:
      c.prompt_suffix = "<tool_call>\n";
      c.schema = std::move(call);
      break;
    case ToolCallFormat::kLlama3Json:
      c.schema = std::move(call);
      break;
    case ToolCallFormat::kMistral: {
      c.prompt_suffix = "[TOOL_CALLS]";
      c.schema = {{"type", "array"}, {"items", std::move(call)}, {"minItems", 1}};
      if (only || !parallel_tool_calls) c.schema["maxItems"] = 1;
      break;
    }
  }
  return c;
}

ConstraintSpec constraint_spec(const ToolCallConstraint& constraint) {
  return ConstraintSpec{ConstraintKind::kJsonSchema, constraint.schema.dump(), constraint.strict};
}

}  // namespace llmc::tools
