// StageOutput's logits on the host, for tests and tools (serving samples on the device).
#include <algorithm>

#include "engine/model/causal_lm.h"

namespace llmc {

std::vector<float> host_logits(Backend& backend, const StageOutput& out, int64_t vocab_size) {
  const int64_t n = out.logits.dim(0), ld = out.logits.dim(1);
  std::vector<float> wide(static_cast<size_t>(n * ld));
  if (n > 0) backend.copy_to_host(out.logits, wide.data());
  std::vector<float> result(static_cast<size_t>(n * vocab_size));
  for (int64_t i = 0; i < n; ++i) {
    std::copy(wide.begin() + i * ld, wide.begin() + i * ld + vocab_size, result.begin() + i * vocab_size);
  }
  return result;
}

}  // namespace llmc
