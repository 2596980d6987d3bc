// A ForwardBatch on the backend's device: every id, position and cache index a forward pass reads, sent in
// one packed host-to-device copy (one transfer per step, not one per array), with views into it.
#pragma once

#include "engine/backend/backend.h"
#include "engine/model/forward_batch.h"

namespace llmc {

struct DeviceBatch {
  Tensor token_ids;       // [T] i32
  Tensor positions;       // [T] i32
  Tensor logits_indices;  // [n] i32
  AttentionMetadata attention;
};

// The views live in backend scratch memory: valid until the backend's next reset_scratch().
DeviceBatch upload_batch(const ForwardBatch& batch, Backend& backend);

}  // namespace llmc
