// libFuzzer entry point for the control-plane decoder (clang: built by tests/unit/control/CMakeLists.txt as
// plan_codec_fuzz; configure with -DLLMC_FUZZ=ON to instrument the codec for coverage).
//   ./plan_codec_fuzz -max_total_time=60 corpus/
// Any input must either decode or throw llmc::Error; whatever decodes must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/check.h"
#include "runtime/comm/control/plan_codec.h"

namespace {

std::string reencode(const llmc::WireMessage& m) {
  using llmc::MessageType;
  std::string out;
  switch (m.type) {
    case MessageType::kPlan:
      llmc::encode_plan(m.plan, m.sender, out);
      break;
    case MessageType::kResult:
      llmc::encode_result(m.result, m.sender, out);
      break;
    case MessageType::kError:
      llmc::encode_error(m.sender, m.seq, m.error, out);
      break;
    case MessageType::kHello:
      llmc::encode_hello(m.sender, m.seq, m.next_step, out);
      break;
    default:
      llmc::encode_signal(m.type, m.sender, m.seq, out);
      break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    const llmc::WireMessage m = llmc::decode_message(input);
    if (reencode(m) != input) std::abort();  // decoded bytes must be canonical
  } catch (const llmc::Error&) {
    // Refused: the expected outcome for most inputs.
  }
  return 0;
}
