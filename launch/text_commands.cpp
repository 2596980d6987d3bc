// `llm-cluster tokenize` and `llm-cluster chat-template`: what the model's tokenizer and chat template make
// of given text, as JSON on stdout, for users debugging prompts. No MPI ranks beyond the one that runs them.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <optional>

#include "common/check.h"
#include "engine/chat/chat_template_source.h"
#include "engine/tokenizer/tokenize_report.h"
#include "engine/tokenizer/tokenizer.h"
#include "launch/subcommands.h"

namespace llmc {

namespace po = boost::program_options;

namespace {

struct TextCommandArgs {
  std::string model_dir;
  std::string input;
  std::string tokenizer_dir;
  std::string chat_template;
};

// Parses MODEL_DIR --input FILE [--tokenizer DIR] [--chat-template FILE]; nullopt after printing --help.
std::optional<TextCommandArgs> parse(const std::vector<std::string>& args, const char* usage, bool with_template) {
  TextCommandArgs a;
  po::options_description desc(usage);
  desc.add_options()("help,h", "this help")("model", po::value(&a.model_dir), "Hugging Face model folder")(
      "input", po::value(&a.input), "JSON input file ('-': stdin)")(
      "tokenizer", po::value(&a.tokenizer_dir), "folder with tokenizer.json (default: the model folder)");
  if (with_template) desc.add_options()("chat-template", po::value(&a.chat_template), "a Jinja chat template file");
  po::positional_options_description positional;
  positional.add("model", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  LLMC_CHECK(!a.model_dir.empty()) << "missing MODEL_DIR (a Hugging Face model folder)";
  LLMC_CHECK(!a.input.empty()) << "missing --input (a JSON file)";
  if (a.tokenizer_dir.empty()) a.tokenizer_dir = a.model_dir;
  return a;
}

nlohmann::ordered_json read_json(const std::string& path) {
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    LLMC_CHECK(file.good()) << path << ": cannot open the input file";
  }
  try {
    return nlohmann::ordered_json::parse(path == "-" ? std::cin : file);
  } catch (const nlohmann::json::parse_error& e) {
    LLMC_FAIL() << path << ": invalid JSON: " << e.what();
  }
}

}  // namespace

int run_tokenize(const std::vector<std::string>& args) {
  const auto a = parse(args, "llm-cluster tokenize MODEL_DIR --input strings.json", false);
  if (!a) return 0;
  const auto tokenizer = Tokenizer::from_dir(a->tokenizer_dir);
  const nlohmann::json strings = nlohmann::json::parse(read_json(a->input).dump());
  std::cout << tokenize_report(*tokenizer, strings).dump(2) << "\n";
  return 0;
}

int run_chat_template(const std::vector<std::string>& args) {
  const auto a = parse(args, "llm-cluster chat-template MODEL_DIR --input conversations.json", true);
  if (!a) return 0;
  const std::optional<std::filesystem::path> file =
      a->chat_template.empty() ? std::nullopt : std::optional<std::filesystem::path>(a->chat_template);
  nlohmann::ordered_json report = chat_template_report(a->model_dir, file, read_json(a->input));
  // rendered_ids where a tokenizer is at hand: what a server feeds the model after rendering.
  if (std::filesystem::exists(std::filesystem::path(a->tokenizer_dir) / "tokenizer.json")) {
    const auto tokenizer = Tokenizer::from_dir(a->tokenizer_dir);
    for (auto& entry : report) entry["rendered_ids"] = tokenizer->encode(entry["rendered"].get<std::string>(), false);
  }
  std::cout << report.dump(2) << "\n";
  return 0;
}

}  // namespace llmc
