// How the engine reaches other ranks: collectives inside a tensor-parallel group and point-to-point between
// pipeline stages. The engine is given a Communicator and knows nothing of MPI or NCCL; runtime/comm implements
// this over MPI (CPU tensors) and NCCL (CUDA tensors). Every call is collective/matched: all ranks of the group
// must make it, in the same order, with the same shapes.
#pragma once

#include "engine/backend/tensor.h"

namespace llmc {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The stream device operations must be ordered with (the backend's compute stream, a cudaStream_t); null for
  // host tensors. Called once, by the worker, before any operation.
  virtual void bind_stream(void* stream) {}
  // Whether the collectives may be recorded into a CUDA graph (they enqueue on the bound stream and never
  // wait on the host).
  virtual bool capturable() const { return false; }
  // Elementwise sum across the group, in place (f32, bf16 or f16; sums of 16-bit values are taken in f32).
  virtual void all_reduce_sum(Tensor& t) = 0;
  // out [size * N, ...] = every rank's in [N, ...] concatenated along dimension 0 in rank order.
  virtual void all_gather(const Tensor& in, Tensor& out) = 0;
  virtual void send(const Tensor& t, int peer) = 0;
  virtual void recv(Tensor& t, int peer) = 0;
};

// The group of one: every collective is the identity. What a single-process engine uses.
class SingleRankCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  bool capturable() const override { return true; }
  void all_reduce_sum(Tensor&) override {}
  void all_gather(const Tensor& in, Tensor& out) override;
  void send(const Tensor&, int peer) override;
  void recv(Tensor&, int peer) override;
};

}  // namespace llmc
