#include "runtime/head/output_stream.h"

namespace llmc {

OutputCallback OutputStream::callback() {
  return [self = shared_from_this()](RequestOutput output) { self->push(std::move(output)); };
}

void OutputStream::push(RequestOutput output) {
  {
    std::lock_guard lock(mutex_);
    finished_ = finished_ || output.finished;
    queue_.push_back(std::move(output));
  }
  ready_.notify_all();
}

std::optional<RequestOutput> OutputStream::next(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait_until(lock, deadline, [&] { return !queue_.empty(); })) return std::nullopt;
  RequestOutput out = std::move(queue_.front());
  queue_.pop_front();
  return out;
}

bool OutputStream::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

}  // namespace llmc
