// Tool calling and reasoning in the chat API, without sockets: the request side (tools / tool_choice /
// parallel_tool_calls validation, the forced-call constraint, rendering tool conversations), the response
// side (message.tool_calls, reasoning_content, finish_reason "tool_calls", streamed deltas that reassemble to
// the non-streamed message), the output-parser flags and GET /v1/models/{id} routing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/head/http/api_error.h"
#include "runtime/head/http/chat_render.h"
#include "runtime/head/http/response_builder.h"
#include "runtime/head/http/router.h"
#include "runtime/head/http/tool_request.h"
#include "tests/unit/http/test_model.h"

namespace llmc::http_api {
namespace {

using nlohmann::json;
using ordered_json = nlohmann::ordered_json;

const ServedModel& plain_model() {
  static const ServedModel m = http_test::test_model();
  return m;
}

ServedModel model_with(const std::string& parser, bool auto_choice, const std::string& reasoning = "") {
  ServedModelPaths paths;
  paths.model_dir = http_test::model_dir();
  paths.tokenizer_dir = http_test::tokenizer_dir();
  paths.served_model_names = {"tiny"};
  paths.tool_call_parser = parser;
  paths.enable_auto_tool_choice = auto_choice;
  paths.reasoning_parser = reasoning;
  return load_served_model(paths, 512);
}

const ordered_json kTools = ordered_json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather now",
   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"type": "function", "function": {"name": "get_time"}}])");

ToolRequest read(const ordered_json& fields, const ServedModel& model) {
  ordered_json ordered = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  for (auto it = fields.begin(); it != fields.end(); ++it) ordered[it.key()] = it.value();
  const json body = json::parse(ordered.dump());
  const CheckedBody checked(body, Endpoint::kChat);
  return read_tool_request(checked, ordered, model);
}

// The 400's message, or "" when it did not throw.
std::string refusal(const ordered_json& fields, const ServedModel& model) {
  try {
    read(fields, model);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_TRUE(e.param() == "tools" || e.param() == "tool_choice") << e.param();
    return e.what();
  }
  return "";
}

TEST(ToolRequest, DefaultsFollowVllm) {
  const ToolRequest none = read(ordered_json::object(), plain_model());
  EXPECT_EQ(none.choice, ToolChoice::kNone);
  EXPECT_FALSE(none.output.tool_calls);
  const ServedModel hermes = model_with("hermes", true);
  const ToolRequest r = read({{"tools", kTools}}, hermes);
  EXPECT_EQ(r.choice, ToolChoice::kAuto);  // tools given: "auto"
  EXPECT_EQ(r.output.tool_calls, tools::ToolCallFormat::kHermes);
  EXPECT_TRUE(r.parallel_tool_calls);
  EXPECT_FALSE(r.constraint);
  EXPECT_EQ(r.tools, kTools);
  // "none" keeps the tools for the template but parses nothing.
  const ToolRequest off = read({{"tools", kTools}, {"tool_choice", "none"}}, hermes);
  EXPECT_EQ(off.choice, ToolChoice::kNone);
  EXPECT_FALSE(off.output.tool_calls);
  EXPECT_EQ(off.tools, kTools);
}

TEST(ToolRequest, AutoNeedsTheFlagAndAParser) {
  // vLLM's words, so clients that know vLLM recognise it.
  EXPECT_EQ(refusal({{"tools", kTools}}, plain_model()),
            "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set");
  EXPECT_EQ(refusal({{"tools", kTools}, {"tool_choice", "auto"}}, model_with("llama3_json", false)),
            "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set");
  EXPECT_EQ(refusal({{"tools", kTools}}, model_with("llama3_json", true)), "");
}

TEST(ToolRequest, RequiredAndNamedBuildTheConstraint) {
  const ServedModel hermes = model_with("hermes", false);
  const ToolRequest req = read({{"tools", kTools}, {"tool_choice", "required"}}, hermes);
  EXPECT_EQ(req.choice, ToolChoice::kRequired);
  ASSERT_TRUE(req.constraint);
  EXPECT_EQ(req.constraint->prompt_suffix, "<tool_call>\n");
  EXPECT_EQ(req.output.forced_prefix, "<tool_call>\n");
  EXPECT_EQ(req.constraint->schema["anyOf"].size(), 2u);
  const ToolRequest named =
      read({{"tools", kTools}, {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_time"}}}}}},
           hermes);
  EXPECT_EQ(named.choice, ToolChoice::kNamed);
  EXPECT_EQ(named.function, "get_time");
  EXPECT_EQ(named.constraint->schema["properties"]["name"]["enum"], ordered_json::array({"get_time"}));
  // Mistral's marker is a special token: the reply is detokenized with special tokens.
  const ToolRequest mistral =
      read({{"tools", kTools}, {"tool_choice", "required"}, {"parallel_tool_calls", false}},
           model_with("mistral", false));
  EXPECT_TRUE(mistral.keep_special_tokens);
  EXPECT_FALSE(mistral.output.parallel_tool_calls);
  EXPECT_EQ(mistral.constraint->schema["maxItems"], 1);
  // Without a known format there is nothing to force.
  EXPECT_NE(
      refusal({{"tools", kTools}, {"tool_choice", "required"}}, plain_model()).find("--tool-call-parser"),
      std::string::npos);
}

TEST(ToolRequest, BadToolsAndChoicesAre400) {
  const ServedModel m = model_with("hermes", true);
  EXPECT_NE(refusal({{"tools", {{{"type", "function"}}}}}, m), "");
  EXPECT_NE(refusal({{"tools", {{{"type", "retrieval"}, {"function", {{"name", "x"}}}}}}}, m), "");
  EXPECT_NE(refusal({{"tools", {{{"type", "function"}, {"function", {{"name", ""}}}}}}}, m), "");
  EXPECT_NE(
      refusal({{"tools", {{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", 3}}}}}}}, m),
      "");
  EXPECT_NE(refusal({{"tools", kTools}, {"tool_choice", "sometimes"}}, m), "");
  EXPECT_NE(
      refusal({{"tools", kTools}, {"tool_choice", {{"type", "function"}, {"function", {{"name", "nope"}}}}}},
              m)
          .find("'nope'"),
      std::string::npos);
  EXPECT_NE(refusal({{"tool_choice", "required"}}, m).find("needs 'tools'"), std::string::npos);
  EXPECT_EQ(refusal({{"tool_choice", "none"}}, m), "");
}

TEST(OutputParserFlags, ResolvedAtLoadWithClearErrors) {
  EXPECT_FALSE(plain_model().tool_call_format);  // Llama 3.0's template shows no tool-call format
  EXPECT_THROW(model_with("", true), Error);     // auto tool choice with nothing to parse with
  EXPECT_THROW(model_with("pythonic", false), Error);
  EXPECT_THROW(model_with("hermes", false, "granite"), Error);
  const ServedModel m = model_with("mistral", true, "deepseek_r1");
  EXPECT_EQ(m.tool_call_format, tools::ToolCallFormat::kMistral);
  EXPECT_EQ(m.reasoning_format, tools::ReasoningFormat::kDeepSeekR1);
  // Detected from a template that writes <tool_call> (Qwen 3's, from the tokenizer fixture).
  std::ifstream in(http_test::test_data() / "tokenizers" / "qwen3" / "tokenizer_config.json");
  const json config = json::parse(in);
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "llmc_qwen3_template.jinja";
  std::ofstream(file) << config["chat_template"].get<std::string>();
  ServedModelPaths paths;
  paths.model_dir = http_test::model_dir();
  paths.tokenizer_dir = http_test::tokenizer_dir();
  paths.chat_template = file;
  paths.enable_auto_tool_choice = true;
  EXPECT_EQ(load_served_model(paths, 512).tool_call_format, tools::ToolCallFormat::kHermes);
  std::filesystem::remove(file);
}

// ---- rendering
// -------------------------------------------------------------------------------------------------

ServedModel qwen3_template_model() {
  ServedModel m;
  m.names = {"q"};
  m.max_model_len = 512;
  auto source = std::make_shared<ChatTemplateSource>(
      load_chat_template_source(http_test::test_data() / "tokenizers" / "qwen3"));
  m.chat_template = std::make_shared<ChatTemplate>(ChatTemplate::parse(source->template_text));
  m.chat_source = std::move(source);
  return m;
}

// An OpenAI tool round trip (assistant content null with tool_calls, then the tool's result) in Qwen 3's
// template: expected text written by hand from the template.
TEST(ChatRender, ToolRoundTripInQwen3sTemplate) {
  const ordered_json messages = ordered_json::parse(R"([
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
      "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "18C"}])");
  const ordered_json tools = ordered_json::parse(
      R"([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}])");
  const std::string text =
      render_chat_messages(qwen3_template_model(), messages, true, ordered_json::object(), tools, nullptr);
  const std::string expected =
      "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
      "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
      "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": "
      "\"object\"}}}\n"
      "</tools>\n\nFor each function call, return a json object with function name and arguments within "
      "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
      "<args-json-object>}\n</tool_call><|im_end|>\n"
      "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
      "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n"
      "</tool_call><|im_end|>\n"
      "<|im_start|>user\n<tool_response>\n18C\n</tool_response><|im_end|>\n"
      "<|im_start|>assistant\n";
  EXPECT_EQ(text, expected);
}

TEST(ChatRender, TemplateRefusalAndFailureAre400) {
  const ordered_json bad = ordered_json::parse(R"([{"role": "user", "content": 5}])");
  try {
    render_chat_messages(qwen3_template_model(), bad, true, ordered_json::object(), nullptr, nullptr);
    ADD_FAILURE() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.param(), "messages");
  }
}

// ---- responses
// -------------------------------------------------------------------------------------------------

GenerationJob chat_job(bool stream, tools::ChatOutputOptions output, int32_t n = 1) {
  GenerationJob job;
  job.kind = ApiKind::kChat;
  job.id = "chatcmpl-1";
  job.created = 1700000000;
  job.model = "tiny";
  job.n = n;
  job.stream = stream;
  job.output = std::move(output);
  GenerationRequest r;
  r.sampling.n = n;
  job.requests.push_back(r);
  job.prompt_texts.push_back("");
  return job;
}

RequestOutput text_output(int32_t index, std::string text, FinishReason finish) {
  RequestOutput o;
  SequenceDelta d;
  d.index = index;
  d.token_ids = {1};
  d.text = std::move(text);
  d.finish_reason = finish;
  o.sequences.push_back(std::move(d));
  o.finished = finish != FinishReason::kNone;
  o.num_prompt_tokens = 5;
  return o;
}

std::vector<json> sse_payloads(const std::string& stream) {
  std::vector<json> out;
  size_t pos = 0;
  while ((pos = stream.find("data: ", pos)) != std::string::npos) {
    const size_t end = stream.find("\n\n", pos);
    const std::string payload = stream.substr(pos + 6, end - pos - 6);
    if (payload != "[DONE]") out.push_back(json::parse(payload));
    pos = end;
  }
  return out;
}

const std::vector<std::string> kPieces = {
    "Checking.", "\n\n<tool", "_call>\n{\"name\": \"get_weather\", \"argu", "ments\": {\"city\": \"Pa",
    "ris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>"};

tools::ChatOutputOptions hermes_output() {
  tools::ChatOutputOptions o;
  o.tool_calls = tools::ToolCallFormat::kHermes;
  return o;
}

TEST(ToolCallResponse, NonStreamedMessageHasToolCallsAndFinishReason) {
  ResponseBuilder b(chat_job(false, hermes_output()), nullptr);
  for (size_t i = 0; i < kPieces.size(); ++i)
    b.add(0, text_output(0, kPieces[i], i + 1 == kPieces.size() ? FinishReason::kStop : FinishReason::kNone));
  const json body = json::parse(b.final_response().body);
  const json& choice = body["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  const json& message = choice["message"];
  EXPECT_EQ(message["role"], "assistant");
  EXPECT_EQ(message["content"], "Checking.");
  EXPECT_FALSE(message.contains("reasoning_content"));  // no reasoning parser on this server
  ASSERT_EQ(message["tool_calls"].size(), 2u);
  const json& first = message["tool_calls"][0];
  EXPECT_EQ(first["type"], "function");
  EXPECT_EQ(first["function"]["name"], "get_weather");
  EXPECT_EQ(first["function"]["arguments"], "{\"city\": \"Paris\"}");
  EXPECT_EQ(json::parse(first["function"]["arguments"].get<std::string>()), json({{"city", "Paris"}}));
  EXPECT_EQ(first["id"].get<std::string>().rfind("call_", 0), 0u);
  EXPECT_EQ(first["id"].get<std::string>().size(), 29u);
  EXPECT_NE(message["tool_calls"][1]["id"], first["id"]);
  EXPECT_EQ(message["tool_calls"][1]["function"]["arguments"], "{}");
}

TEST(ToolCallResponse, StreamedDeltasReassembleToTheSameCalls) {
  ResponseBuilder b(chat_job(true, hermes_output()), nullptr);
  std::string stream = b.stream_head();
  for (size_t i = 0; i < kPieces.size(); ++i)
    stream += b.add(
        0, text_output(0, kPieces[i], i + 1 == kPieces.size() ? FinishReason::kStop : FinishReason::kNone));
  stream += b.stream_tail();
  std::string content;
  json calls = json::array();
  std::string finish;
  for (const json& event : sse_payloads(stream)) {
    const json& c = event["choices"][0];
    const json& delta = c["delta"];
    if (delta.contains("content")) content += delta["content"].get<std::string>();
    for (const json& t : delta.value("tool_calls", json::array())) {
      const size_t index = t["index"].get<size_t>();
      if (t.contains("id")) {  // a call's first delta: id, type and name
        ASSERT_EQ(index, calls.size());
        EXPECT_EQ(t["type"], "function");
        calls.push_back({{"id", t["id"]}, {"name", t["function"]["name"]}, {"arguments", ""}});
      }
      ASSERT_LT(index, calls.size());
      EXPECT_FALSE(t["function"].contains("name") && !t.contains("id"));
      calls[index]["arguments"] =
          calls[index]["arguments"].get<std::string>() + t["function"]["arguments"].get<std::string>();
    }
    if (!c["finish_reason"].is_null()) finish = c["finish_reason"];
  }
  EXPECT_EQ(content, "Checking.");
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["name"], "get_weather");
  EXPECT_EQ(calls[0]["arguments"], "{\"city\": \"Paris\"}");
  EXPECT_EQ(calls[1]["name"], "get_time");
  EXPECT_EQ(calls[1]["arguments"], "{}");
  // The arguments streamed as they came: the first call's name went out before its arguments were complete.
  EXPECT_NE(stream.find("\"arguments\":\"{\\\"city\\\": \\\"Pa\""), std::string::npos) << stream;
}

TEST(ToolCallResponse, CutOffCallKeepsLengthAndNoCallKeepsStop) {
  ResponseBuilder cut(chat_job(false, hermes_output()), nullptr);
  cut.add(0, text_output(0, "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": ", FinishReason::kLength));
  json body = json::parse(cut.final_response().body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"a\": ");
  ResponseBuilder plain(chat_job(false, hermes_output()), nullptr);
  plain.add(0, text_output(0, "No tools needed.", FinishReason::kStop));
  body = json::parse(plain.final_response().body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "No tools needed.");
  EXPECT_FALSE(body["choices"][0]["message"].contains("tool_calls"));
}

TEST(ReasoningResponse, ReasoningContentStreamedAndInTheMessage) {
  tools::ChatOutputOptions o;
  o.reasoning = tools::ReasoningFormat::kQwen3;
  for (const bool stream : {false, true}) {
    ResponseBuilder b(chat_job(stream, o), nullptr);
    std::string events = b.stream_head();
    events += b.add(0, text_output(0, "<think>\nTwo plus", FinishReason::kNone));
    events += b.add(0, text_output(0, " two.\n</thi", FinishReason::kNone));
    events += b.add(0, text_output(0, "nk>\n\nFour.", FinishReason::kStop));
    events += b.stream_tail();
    if (!stream) {
      const json message = json::parse(b.final_response().body)["choices"][0]["message"];
      EXPECT_EQ(message["reasoning_content"], "\nTwo plus two.\n");
      EXPECT_EQ(message["content"], "\n\nFour.");
      continue;
    }
    std::string reasoning, content;
    for (const json& e : sse_payloads(events)) {
      const json& d = e["choices"][0]["delta"];
      if (d.contains("reasoning_content")) reasoning += d["reasoning_content"].get<std::string>();
      if (d.contains("content")) content += d["content"].get<std::string>();
    }
    EXPECT_EQ(reasoning, "\nTwo plus two.\n");
    EXPECT_EQ(content, "\n\nFour.");
  }
}

// ---- /v1/models/{id}
// -------------------------------------------------------------------------------------------

TEST(ModelRoute, RetrieveRouteAndPercentDecodedIds) {
  HttpServerOptions options;
  HttpRequest get{"GET", "/v1/models/tiny", {}, ""};
  EXPECT_EQ(match_route(get, options), Route::kModel);
  get.path = "/v1/models/meta-llama%2FLlama-3.1-8B";
  EXPECT_EQ(match_route(get, options), Route::kModel);
  EXPECT_EQ(model_id_of(get.path), "meta-llama/Llama-3.1-8B");
  EXPECT_EQ(model_id_of("/v1/models/org/name"), "org/name");
  EXPECT_EQ(model_id_of("/v1/models/a%2"), "a%2");  // a broken escape stays as written
  HttpRequest post{"POST", "/v1/models/tiny", {}, ""};
  try {
    match_route(post, options);
    ADD_FAILURE() << "POST matched";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 405);
  }
  EXPECT_EQ(match_route(HttpRequest{"GET", "/v1/models", {}, ""}, options), Route::kModels);
}

}  // namespace
}  // namespace llmc::http_api
