// 20,000 deterministic random mutations of valid messages: the decoder either decodes or throws
// llmc::Error (never another exception, never a crash), and whatever decodes re-encodes to the same bytes
// (the format is canonical). The libFuzzer target tests/fuzz/plan_codec_fuzz.cpp checks the same under clang.
#include <gtest/gtest.h>

#include "runtime/comm/control/plan_codec.h"
#include "tests/unit/control/random_messages.h"

namespace llmc {
namespace {

std::string reencode(const WireMessage& m) {
  std::string out;
  switch (m.type) {
    case MessageType::kPlan:
      encode_plan(m.plan, m.sender, out);
      break;
    case MessageType::kResult:
      encode_result(m.result, m.sender, out);
      break;
    case MessageType::kError:
      encode_error(m.sender, m.seq, m.error, out);
      break;
    case MessageType::kHello:
      encode_hello(m.sender, m.seq, m.next_step, out);
      break;
    default:
      encode_signal(m.type, m.sender, m.seq, out);
      break;
  }
  return out;
}

std::vector<std::string> seed_messages() {
  test::RandomMessages random(99);
  std::vector<std::string> seeds;
  std::string buf;
  for (int i = 0; i < 12; ++i) {
    encode_plan(random.plan(random.u64()), random.i32(), buf);
    seeds.push_back(buf);
    encode_result(random.result(random.u64()), random.i32(), buf);
    seeds.push_back(buf);
  }
  encode_hello(0, 3, 17, buf);
  seeds.push_back(buf);
  encode_error(2, 5, "worker failed", buf);
  seeds.push_back(buf);
  encode_signal(MessageType::kHeartbeat, 1, 2, buf);
  seeds.push_back(buf);
  return seeds;
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}
  size_t pick(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void mutate(std::string& s, const std::string& other) {
    const size_t at = pick(s.size() + 1);
    switch (pick(8)) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 1:
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(pick(256));
        break;
      case 2:
        s.resize(pick(s.size() + 1));
        break;
      case 3:
        s.insert(at, std::string(1 + pick(8), static_cast<char>(pick(256))));
        break;
      case 4:
        s.erase(at, 1 + pick(16));
        break;
      case 5:  // a large value where a length or varint may sit
        s.insert(at, pick(2) ? std::string("\xff\xff\xff\xff\x0f") : std::string("\xff\xff\xff\x7f"));
        break;
      case 6:
        if (at < s.size()) s.insert(at, s.substr(at, 1 + pick(64)));
        break;
      default:
        s = s.substr(0, at) + other.substr(std::min(at, other.size()));
        break;
    }
  }

 private:
  std::mt19937_64 rng_;
};

TEST(PlanCodecMutation, TwentyThousandMutationsDecodeOrThrow) {
  const std::vector<std::string> seeds = seed_messages();
  Mutator mutator(12345);
  int decoded = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = seeds[mutator.pick(seeds.size())];
    const size_t rounds = 1 + mutator.pick(4);
    for (size_t k = 0; k < rounds; ++k) mutator.mutate(s, seeds[mutator.pick(seeds.size())]);
    try {
      const WireMessage m = decode_message(s);
      ++decoded;
      ASSERT_EQ(reencode(m), s) << "mutation " << i << " decoded but does not re-encode to the same bytes";
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      FAIL() << "mutation " << i << ": " << typeid(e).name() << " instead of llmc::Error: " << e.what();
    }
  }
  RecordProperty("decoded", decoded);
  RecordProperty("rejected", rejected);
  // Both outcomes must occur, or the mutations test nothing.
  EXPECT_GT(decoded, 100);
  EXPECT_GT(rejected, 10000);
}

}  // namespace
}  // namespace llmc
