// Command-line options of the HTTP server and of the served model, with vLLM's names, for `llm-cluster serve`
// and the test server: --host, --port, --api-key, --served-model-name, --allowed-origins, --tokenizer,
// --chat-template, --tool-call-parser, --enable-auto-tool-choice, --reasoning-parser, --shutdown-timeout,
// --http-threads, --max-request-body.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

#include "runtime/head/http/http_server.h"
#include "runtime/head/http/served_model.h"

namespace llmc {

struct HttpCliOptions {
  HttpServerOptions server;
  ServedModelPaths model;                // model_dir is the caller's positional argument
  std::string allowed_origins;           // raw flag: a JSON list ('["*"]') or comma-separated origins
  std::string tokenizer, chat_template;  // raw flags; empty: unset
  int shutdown_timeout_s = 30;
  size_t max_request_body_mib = 32;
};

// The server's flags (vLLM's Frontend group): --host --port --api-key --allowed-origins --chat-template
// --shutdown-timeout --http-threads --max-request-body.
void add_frontend_options(boost::program_options::options_description& desc, HttpCliOptions& o);
// The served model's names and tokenizer (in vLLM's ModelConfig group): --served-model-name --tokenizer.
void add_served_model_options(boost::program_options::options_description& desc, HttpCliOptions& o);
// Both, into one description.
void add_http_options(boost::program_options::options_description& desc, HttpCliOptions& o);

// After parsing: fills server/model from the raw flags, then applies Vertex AI's environment
// (AIP_HTTP_PORT replaces --port, AIP_PREDICT_ROUTE / AIP_HEALTH_ROUTE add those routes).
// Throws llmc::Error naming the bad flag.
void finish_http_options(HttpCliOptions& o);

// '["a","b"]' or 'a,b' -> {"a","b"}; throws llmc::Error on a malformed JSON list.
std::vector<std::string> parse_origin_list(const std::string& text);

}  // namespace llmc
