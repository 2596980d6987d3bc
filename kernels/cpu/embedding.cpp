#include "kernels/cpu/embedding.h"

#include <cstring>

namespace llmc::kernels::cpu {

void embedding_lookup(const int32_t* ids, int64_t tokens, const float* table, int64_t vocab_begin,
                      int64_t vocab_end, int64_t dim, float* out) {
  for (int64_t t = 0; t < tokens; ++t) {
    const int64_t id = ids[t];
    if (id >= vocab_begin && id < vocab_end) {
      std::memcpy(out + t * dim, table + (id - vocab_begin) * dim, sizeof(float) * dim);
    } else {
      std::memset(out + t * dim, 0, sizeof(float) * dim);
    }
  }
}

}  // namespace llmc::kernels::cpu
