#include "runtime/head/http/http_options.h"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/check.h"

namespace llmc {

namespace po = boost::program_options;

void add_frontend_options(po::options_description& desc, HttpCliOptions& o) {
  desc.add_options()("host", po::value(&o.server.host)->default_value("0.0.0.0"), "address to listen on")(
      "port", po::value(&o.server.port)->default_value(8000), "port to listen on (0: any free port)")(
      "api-key", po::value(&o.server.api_key),
      "require 'Authorization: Bearer KEY' on every route but /health and /ping (default: $VLLM_API_KEY)")(
      "disable-metrics-auth", po::bool_switch(&o.server.metrics_without_api_key),
      "with --api-key: serve /metrics without the key (for a Prometheus scraper)")(
      "allowed-origins", po::value(&o.allowed_origins), "CORS origins: a JSON list ('[\"*\"]') or a,b,c")(
      "chat-template", po::value(&o.chat_template), "a Jinja chat template file (default: the tokenizer's)")(
      "tool-call-parser", po::value(&o.model.tool_call_parser),
      "how the model writes tool calls: llama3_json | hermes | mistral (default: detected from the chat "
      "template)")("enable-auto-tool-choice", po::bool_switch(&o.model.enable_auto_tool_choice),
                   "read tool calls out of replies to tool_choice \"auto\" (the default when tools are given)")(
      "reasoning-parser", po::value(&o.model.reasoning_parser),
      "return <think> sections as reasoning_content: deepseek_r1 | qwen3")(
      "shutdown-timeout", po::value(&o.shutdown_timeout_s)->default_value(30),
      "seconds a drain (SIGTERM, SIGINT, SIGUSR1) waits for in-flight requests before aborting them")(
      "http-threads", po::value(&o.server.io_threads)->default_value(2), "HTTP I/O threads")(
      "max-request-body", po::value(&o.max_request_body_mib)->default_value(32), "largest request body, MiB");
}

void add_served_model_options(po::options_description& desc, HttpCliOptions& o) {
  desc.add_options()("served-model-name", po::value(&o.model.served_model_names)->multitoken(),
                     "name(s) the API accepts as `model` (default: the model folder path)")(
      "tokenizer", po::value(&o.tokenizer),
      "folder with tokenizer.json / tokenizer_config.json (default: the model's)");
}

void add_http_options(po::options_description& desc, HttpCliOptions& o) {
  add_frontend_options(desc, o);
  add_served_model_options(desc, o);
}

std::vector<std::string> parse_origin_list(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  if (text.front() == '[') {
    nlohmann::json list;
    try {
      list = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      LLMC_FAIL() << "--allowed-origins: not a JSON list of strings (" << e.what() << ")";
    }
    for (const auto& item : list) {
      LLMC_CHECK(item.is_string()) << "--allowed-origins: every entry must be a string, got " << item.dump();
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void finish_http_options(HttpCliOptions& o) {
  // As vLLM: the key may come from the environment, which keeps it out of `ps` and of mpirun's command line.
  if (const char* key = std::getenv("VLLM_API_KEY"); o.server.api_key.empty() && key != nullptr)
    o.server.api_key = key;
  o.server.allowed_origins = parse_origin_list(o.allowed_origins);
  LLMC_CHECK(o.shutdown_timeout_s >= 0) << "--shutdown-timeout must be >= 0, got " << o.shutdown_timeout_s;
  o.server.shutdown_timeout = std::chrono::seconds(o.shutdown_timeout_s);
  LLMC_CHECK(o.server.io_threads >= 1 && o.server.io_threads <= 256)
      << "--http-threads must be in [1, 256], got " << o.server.io_threads;
  LLMC_CHECK(o.max_request_body_mib >= 1) << "--max-request-body must be at least 1 MiB";
  o.server.max_body_bytes = o.max_request_body_mib << 20;
  if (!o.tokenizer.empty()) o.model.tokenizer_dir = o.tokenizer;
  if (!o.chat_template.empty()) o.model.chat_template = o.chat_template;
  if (const char* port = std::getenv("AIP_HTTP_PORT"); port != nullptr && *port != '\0') {
    char* end = nullptr;
    const long value = std::strtol(port, &end, 10);
    LLMC_CHECK(*end == '\0' && value >= 0 && value <= 65535)
        << "AIP_HTTP_PORT must be a port number, got '" << port << "'";
    o.server.port = static_cast<uint16_t>(value);
  }
  if (const char* route = std::getenv("AIP_PREDICT_ROUTE"); route != nullptr && *route != '\0') {
    o.server.predict_route = route;
  }
  if (const char* route = std::getenv("AIP_HEALTH_ROUTE"); route != nullptr && *route != '\0') {
    o.server.health_route = route;
  }
  for (const std::string* r : {&o.server.predict_route, &o.server.health_route}) {
    LLMC_CHECK(r->empty() || r->front() == '/') << "AIP_*_ROUTE must start with '/', got '" << *r << "'";
  }
}

}  // namespace llmc
