// Encode throughput of llmc::Tokenizer on one thread: the fixture corpus (short, awkward strings, one encode
// call each), a large English text cut into paragraphs at blank lines (one call per paragraph), and the same
// text whole (one call). Prints one line per input:
//   model input bytes calls seconds MB/s tokens
// Usage: bench_tokenizer --model NAME --dir TOKENIZER_DIR --corpus corpus.json --text english.txt
//                        [--min-seconds 2] [--ids-out ids.json]
// --ids-out writes the ids of the text and of every corpus string, so run.sh can compare them with the
// Hugging Face binding's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Result {
  size_t bytes = 0;
  size_t calls = 0;
  size_t tokens = 0;
  double seconds = 0;
};

// Runs `round` (one pass over the input) once to warm caches, then until `min_seconds` have passed.
template <typename F>
Result measure(F&& round, double min_seconds) {
  round();
  Result r;
  const auto start = Clock::now();
  do {
    const auto [bytes, calls, tokens] = round();
    r.bytes += bytes;
    r.calls += calls;
    r.tokens += tokens;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (r.seconds < min_seconds);
  return r;
}

void print(const std::string& model, const std::string& input, const Result& r, size_t passes_tokens) {
  std::printf("%-14s %-8s %10zu %8zu %8.3f %9.2f %10zu\n", model.c_str(), input.c_str(), r.bytes, r.calls, r.seconds,
              r.bytes / r.seconds / 1e6, passes_tokens);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--min-seconds", "2"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required : {"--model", "--dir", "--corpus", "--text"}) {
    if (!args.count(required)) {
      std::cerr << "usage: bench_tokenizer --model NAME --dir TOKENIZER_DIR --corpus corpus.json --text FILE "
                   "[--min-seconds S] [--ids-out FILE]\n";
      return 2;
    }
  }
  try {
    const double min_seconds = std::stod(args["--min-seconds"]);
    const auto load_start = Clock::now();
    const auto tok = llmc::Tokenizer::from_dir(args["--dir"]);
    const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
    const std::vector<std::string> corpus = nlohmann::json::parse(read_file(args["--corpus"]));
    const std::string text = read_file(args["--text"]);

    size_t corpus_tokens = 0;
    const Result c = measure(
        [&] {
          size_t bytes = 0, tokens = 0;
          for (const auto& s : corpus) {
            bytes += s.size();
            tokens += tok->encode(s, false).size();
          }
          corpus_tokens = tokens;
          return std::tuple{bytes, corpus.size(), tokens};
        },
        min_seconds);
    std::vector<std::string> paragraphs;
    for (size_t at = 0; at < text.size();) {
      const size_t end = std::min(text.find("\n\n", at), text.size());
      paragraphs.push_back(text.substr(at, end - at));
      at = end + 2;
    }
    size_t paragraph_tokens = 0;
    const Result p = measure(
        [&] {
          size_t bytes = 0, tokens = 0;
          for (const auto& s : paragraphs) {
            bytes += s.size();
            tokens += tok->encode(s, false).size();
          }
          paragraph_tokens = tokens;
          return std::tuple{bytes, paragraphs.size(), tokens};
        },
        min_seconds);
    size_t text_tokens = 0;
    const Result t = measure(
        [&] {
          text_tokens = tok->encode(text, false).size();
          return std::tuple{text.size(), size_t{1}, text_tokens};
        },
        min_seconds);
    std::printf("# %s: loaded in %.2f s\n", args["--model"].c_str(), load_seconds);
    print(args["--model"], "corpus", c, corpus_tokens);
    print(args["--model"], "paras", p, paragraph_tokens);
    print(args["--model"], "text", t, text_tokens);

    if (args.count("--ids-out")) {
      nlohmann::json out = {{"text", tok->encode(text, false)}, {"corpus", nlohmann::json::array()}};
      for (const auto& s : corpus) out["corpus"].push_back(tok->encode(s, false));
      std::ofstream(args["--ids-out"]) << out.dump();
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_tokenizer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
