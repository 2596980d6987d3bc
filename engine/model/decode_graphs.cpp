#include "engine/model/decode_graphs.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/check.h"

namespace llmc {
namespace {

// Byte offsets of the arrays in the inputs buffer, for batches of up to `b` rows; each 8-byte aligned.
struct InputLayout {
  size_t slots, ids, positions, logits, starts, lens, bytes;
  explicit InputLayout(int64_t b) {
    const auto n = static_cast<size_t>(b);
    auto align = [](size_t x) { return (x + 7) / 8 * 8; };
    slots = 0;
    ids = align(slots + 8 * n);
    positions = align(ids + 4 * n);
    logits = align(positions + 4 * n);
    starts = align(logits + 4 * n);
    lens = align(starts + 4 * (n + 1));
    bytes = align(lens + 4 * n);
  }
};

template <typename T>
T* at(std::vector<std::byte>& host, size_t offset) {
  return reinterpret_cast<T*>(host.data() + offset);
}

}  // namespace

std::vector<int64_t> DecodeGraphs::batch_ladder(int64_t max_batch) {
  std::vector<int64_t> sizes;
  for (int64_t b : {1, 2, 4}) {
    if (b < max_batch) sizes.push_back(b);
  }
  for (int64_t b = 8; b < max_batch; b += b < 64 ? 8 : b < 128 ? 16 : 32) sizes.push_back(b);
  if (max_batch > 0) sizes.push_back(max_batch);
  return sizes;
}

DecodeGraphs::DecodeGraphs(CausalLM& model, Backend& backend, KvCache& cache, const DecodeGraphOptions& options)
    : model_(model), backend_(backend), cache_(cache), options_(options) {
  LLMC_CHECK(backend.supports_graphs()) << backend.name() << ": decode graphs need a backend with graphs";
  LLMC_CHECK(options.max_batch > 0 && options.block_size > 0 && options.max_model_len > 0)
      << "decode graphs: max batch " << options.max_batch << ", block size " << options.block_size
      << ", max_model_len " << options.max_model_len;
  table_width_ = (options.max_model_len + options.block_size - 1) / options.block_size;
  const InputLayout layout(options.max_batch);
  host_.assign(layout.bytes, std::byte{0});
  inputs_ = backend.zeros(ScalarType::kI64, {static_cast<int64_t>(layout.bytes / 8)});
  // Zeros: a padding row's table entries point at block 0, which its empty context never reads.
  block_tables_ = backend.zeros(ScalarType::kI32, {options.max_batch, table_width_});
  backend.synchronize();
  const int64_t free_before = backend.memory().free_bytes;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t b : batch_ladder(options.max_batch)) graphs_.push_back(record(b));
  backend.synchronize();
  capture_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  memory_bytes_ = std::max<int64_t>(0, free_before - backend.memory().free_bytes);
}

DeviceBatch DecodeGraphs::device_batch(int64_t batch) const {
  const InputLayout layout(options_.max_batch);
  auto i32 = [&](size_t offset, int64_t count) { return inputs_.view(offset, ScalarType::kI32, {count}); };
  DeviceBatch d;
  d.token_ids = i32(layout.ids, batch);
  d.positions = i32(layout.positions, batch);
  d.logits_indices = i32(layout.logits, batch);
  AttentionMetadata& m = d.attention;
  m.slot_mapping = inputs_.view(layout.slots, ScalarType::kI64, {batch});
  m.query_start = i32(layout.starts, batch + 1);
  m.context_lens = i32(layout.lens, batch);
  m.block_tables = block_tables_.rows(0, batch);
  m.num_tokens = batch;
  m.num_seqs = batch;
  m.max_blocks_per_seq = table_width_;
  m.max_query_len = 1;
  m.max_context_len = options_.max_model_len;  // the plan's split-KV choice must hold for any context
  return d;
}

void DecodeGraphs::fill_inputs(const ForwardBatch* batch, int64_t padded) {
  const InputLayout layout(options_.max_batch);
  const int64_t n = batch != nullptr ? batch->num_seqs() : 0;
  for (int64_t i = 0; i < padded; ++i) {
    const bool real = i < n;
    at<int64_t>(host_, layout.slots)[i] = real ? batch->slot_mapping[i] : -1;  // -1: write no cache slot
    at<int32_t>(host_, layout.ids)[i] = real ? batch->token_ids[i] : 0;
    at<int32_t>(host_, layout.positions)[i] = real ? batch->positions[i] : 0;
    at<int32_t>(host_, layout.logits)[i] = static_cast<int32_t>(i);
    at<int32_t>(host_, layout.starts)[i] = static_cast<int32_t>(i);
    at<int32_t>(host_, layout.lens)[i] = real ? batch->context_lens[i] : 0;
  }
  at<int32_t>(host_, layout.starts)[padded] = static_cast<int32_t>(padded);
  backend_.copy_from_host(host_.data(), inputs_);
  if (n > 0) {
    backend_.copy_rows_from_host(batch->block_tables.data(), n, batch->max_blocks_per_seq * 4, block_tables_);
  }
}

DecodeGraphs::Graph DecodeGraphs::record(int64_t batch) {
  fill_inputs(nullptr, batch);
  const DeviceBatch d = device_batch(batch);
  const AttentionShape shape = model_.attention_shape(cache_.shape().block_size);
  // Once eagerly: GEMM plans and anything else made on first use exist before the recording starts.
  backend_.reset_scratch();
  backend_.plan_attention(d.attention, shape);
  model_.forward_device(d, Tensor(), cache_);
  backend_.synchronize();

  Graph g;
  g.batch = batch;
  backend_.reset_scratch();
  backend_.plan_attention(d.attention, shape);
  backend_.begin_capture();
  try {
    g.logits = model_.forward_device(d, Tensor(), cache_).logits;
  } catch (...) {
    try {
      backend_.end_capture();  // leave the stream usable; the recording itself is lost
    } catch (...) {
    }
    throw;
  }
  try {
    g.handle = backend_.end_capture();
  } catch (const Error& e) {
    throw Error("recording the decode graph for batch " + std::to_string(batch) + ": " + e.what(),
                e.source_location());
  }
  g.scratch_end = backend_.scratch_position();
  return g;
}

bool DecodeGraphs::fits(const ForwardBatch& batch) const {
  const int64_t n = batch.num_seqs();
  if (n == 0 || n > options_.max_batch || batch.num_tokens() != n) return false;
  if (batch.max_blocks_per_seq > table_width_ || static_cast<int64_t>(batch.logits_indices.size()) != n) return false;
  for (int64_t i = 0; i < n; ++i) {
    if (batch.logits_indices[i] != i) return false;
  }
  return true;
}

StageOutput DecodeGraphs::run(const ForwardBatch& batch) {
  LLMC_CHECK(fits(batch)) << "decode graphs: a batch of " << batch.num_tokens() << " tokens over "
                          << batch.num_seqs() << " sequences is not a decode batch of at most "
                          << options_.max_batch;
  const int64_t n = batch.num_seqs();
  const auto it = std::lower_bound(graphs_.begin(), graphs_.end(), n,
                                   [](const Graph& g, int64_t size) { return g.batch < size; });
  fill_inputs(&batch, it->batch);
  backend_.reset_scratch();
  backend_.replay(it->handle);
  backend_.set_scratch_position(it->scratch_end);
  StageOutput out;
  out.logits = it->logits.rows(0, n);
  return out;
}

}  // namespace llmc
