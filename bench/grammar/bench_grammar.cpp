// bench_grammar: the per-step cost of constrained decoding's token masks, at N sequences under one constraint,
// on a real vocabulary. Each sequence walks its constraint at random (a token drawn uniformly from its mask
// every step, restarting when it ends), so masks are taken at the states generation really visits.
//
//   bench_grammar TOKENIZER_JSON [TOKENIZER_CONFIG_JSON] [--sequences 64] [--steps 300] [--warmup 100]
//                 [--threads 1] [--seed 1]
// (the config names the EOS token; without it, TOKENIZER_JSON's folder is searched for tokenizer_config.json)
//
// Prints, per constraint: compile time; the cold steps right after compiling (masks of states the background
// thread has not reached are computed on the spot); the time to finish every state's mask; then the warm
// per-step time to fill the masks of all sequences (median, p90, max) and to advance them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/grammar/grammar_compiler.h"
#include "engine/grammar/token_matcher.h"
#include "engine/tokenizer/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;
using llmc::ConstraintKind;
using llmc::ConstraintSpec;
using llmc::grammar::TokenMatcher;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

const char* kSchema = R"({"type":"object","properties":{
  "id":{"type":"integer","minimum":0},"name":{"type":"string","maxLength":64},
  "email":{"type":"string","format":"email"},"active":{"type":"boolean"},
  "role":{"enum":["admin","editor","viewer"]},"score":{"type":"number"},
  "tags":{"type":"array","items":{"type":"string"},"maxItems":8},
  "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},
     "zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["street","city"]},
  "history":{"type":"array","items":{"type":"object","properties":{"date":{"type":"string","format":"date"},
     "event":{"type":"string"}},"required":["date","event"]}}},
  "required":["id","name","role","address"]})";

const char* kGrammar = R"G(root ::= stmt+
stmt ::= "let " name " = " expr ";\n"
expr ::= term ((" + " | " - ") term)*
term ::= name | [0-9]+ | "(" expr ")"
name ::= [a-z] [a-z0-9_]*
)G";

struct Options {
  std::string tokenizer;
  std::string config;
  int sequences = 64;
  int steps = 300;
  int warmup = 100;
  int threads = 1;
  uint64_t seed = 1;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (a == "--sequences") o.sequences = std::stoi(next());
    else if (a == "--steps") o.steps = std::stoi(next());
    else if (a == "--warmup") o.warmup = std::stoi(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (o.tokenizer.empty() && a[0] != '-') o.tokenizer = a;
    else if (o.config.empty() && a[0] != '-') o.config = a;
    else {
      std::fprintf(stderr, "usage: bench_grammar TOKENIZER_JSON [TOKENIZER_CONFIG_JSON] [--sequences N] [--steps N] "
                           "[--warmup N] [--threads N] [--seed N]\n");
      std::exit(2);
    }
  }
  if (o.tokenizer.empty()) {
    std::fprintf(stderr, "usage: bench_grammar TOKENIZER_JSON [TOKENIZER_CONFIG_JSON] [...]\n");
    std::exit(2);
  }
  return o;
}

struct Sequence {
  std::unique_ptr<TokenMatcher> matcher;
  std::vector<uint32_t> mask;
  std::mt19937_64 rng;
  int32_t next = -1;
};

// A token drawn uniformly from the mask.
int32_t draw(const std::vector<uint32_t>& mask, std::mt19937_64& rng) {
  int64_t count = 0;
  for (uint32_t w : mask) count += __builtin_popcount(w);
  if (count == 0) return -1;
  int64_t k = static_cast<int64_t>(rng() % static_cast<uint64_t>(count));
  for (size_t i = 0; i < mask.size(); ++i) {
    const int c = __builtin_popcount(mask[i]);
    if (k >= c) {
      k -= c;
      continue;
    }
    uint32_t w = mask[i];
    for (; k > 0; --k) w &= w - 1;
    return static_cast<int32_t>(i * 32 + static_cast<size_t>(__builtin_ctz(w)));
  }
  return -1;
}

void run(const Options& o, llmc::grammar::GrammarCompiler& compiler, const char* name, const ConstraintSpec& spec) {
  auto t0 = Clock::now();
  auto grammar = compiler.compile(spec);
  const double compile_ms = ms_since(t0);
  std::vector<Sequence> seqs(static_cast<size_t>(o.sequences));
  for (size_t i = 0; i < seqs.size(); ++i) {
    seqs[i].matcher = std::make_unique<TokenMatcher>(grammar);
    seqs[i].mask.resize(static_cast<size_t>(compiler.vocab().mask_words()));
    seqs[i].rng.seed(o.seed * 1000003 + i);
  }
  const int threads = std::max(1, std::min(o.threads, o.sequences));
  auto fill_all = [&] {
    auto work = [&](int t) {
      for (size_t i = static_cast<size_t>(t); i < seqs.size(); i += static_cast<size_t>(threads)) {
        seqs[i].matcher->fill_mask(seqs[i].mask.data());
      }
    };
    if (threads == 1) return work(0);
    std::vector<std::jthread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
  };
  std::vector<double> fill_ms;
  std::vector<double> accept_ms;
  double cold_max = 0;
  double cold_total = 0;
  int64_t finished = 0;
  auto step = [&](bool cold) {
    t0 = Clock::now();
    fill_all();
    const double f = ms_since(t0);
    for (Sequence& s : seqs) s.next = draw(s.mask, s.rng);
    t0 = Clock::now();
    for (Sequence& s : seqs) {
      if (s.next < 0 || !s.matcher->accept(s.next)) {
        std::fprintf(stderr, "%s: a token from the mask was refused\n", name);
        std::exit(1);
      }
      if (s.matcher->is_terminated()) {
        ++finished;
        s.matcher = std::make_unique<TokenMatcher>(grammar);
      }
    }
    const double a = ms_since(t0);
    if (cold) {
      cold_max = std::max(cold_max, f);
      cold_total += f;
    } else {
      fill_ms.push_back(f);
      accept_ms.push_back(a);
    }
  };
  // Cold: right after compiling, while the background thread fills the per-state masks.
  for (int i = 0; i < o.warmup; ++i) step(true);
  const int32_t ready = grammar->masks().num_computed();
  t0 = Clock::now();
  grammar->masks().compute_all();  // whatever the background thread has not reached yet, here
  const double rest_ms = ms_since(t0);
  int32_t reading = 0;
  for (int32_t s = 0; s < grammar->automaton().num_states; ++s) reading += grammar->automaton().scans[static_cast<size_t>(s)];
  // Warm: every state's mask cached, as for every later request with the same constraint.
  for (int i = 0; i < o.steps; ++i) step(false);
  std::sort(fill_ms.begin(), fill_ms.end());
  std::sort(accept_ms.begin(), accept_ms.end());
  auto pct = [](const std::vector<double>& v, double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))]; };
  std::printf("%-11s compile %6.1f ms | cold %d steps: max %6.2f ms, mean %6.3f ms | all %5d state masks +%5.0f ms | "
              "warm masks/step: median %6.3f ms  p90 %6.3f ms  max %6.3f ms | accept/step %5.3f ms | %lld ended\n",
              name, compile_ms, o.warmup, cold_max, cold_total / std::max(1, o.warmup), reading, rest_ms,
              pct(fill_ms, 0.5), pct(fill_ms, 0.9), fill_ms.back(), pct(accept_ms, 0.5), static_cast<long long>(finished));
  (void)ready;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  auto t0 = Clock::now();
  std::filesystem::path tokenizer_json = o.tokenizer;
  if (std::filesystem::is_directory(tokenizer_json)) tokenizer_json /= "tokenizer.json";
  std::optional<std::filesystem::path> config;
  if (!o.config.empty()) config = o.config;
  else if (std::filesystem::exists(tokenizer_json.parent_path() / "tokenizer_config.json")) config = tokenizer_json.parent_path() / "tokenizer_config.json";
  const auto tokenizer = llmc::Tokenizer::from_files(tokenizer_json, config);
  const double load_ms = ms_since(t0);
  t0 = Clock::now();
  llmc::grammar::GrammarCompiler compiler(llmc::grammar::TokenVocabulary::from_tokenizer(*tokenizer, 0, {}));
  std::printf("vocabulary %d tokens: tokenizer load %.0f ms, token bytes + trie %.0f ms; %d sequences, %d threads, "
              "%d steps after %d warm-up\n",
              compiler.vocab().size(), load_ms, ms_since(t0), o.sequences, o.threads, o.steps, o.warmup);
  run(o, compiler, "json_schema", ConstraintSpec{ConstraintKind::kJsonSchema, kSchema, false});
  run(o, compiler, "json_object", ConstraintSpec{ConstraintKind::kJsonObject, "", false});
  run(o, compiler, "regex", ConstraintSpec{ConstraintKind::kRegex, "[A-Z][a-z]+( [a-z]+)*\\. (Score: [0-9]{1,3}/100)", false});
  run(o, compiler, "gbnf", ConstraintSpec{ConstraintKind::kGrammar, kGrammar, false});
  return 0;
}
