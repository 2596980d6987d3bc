// A tqdm-like progress line on stderr for long runs: redrawn in place on a terminal (at most 10 times a
// second), one line per tenth of the run otherwise (logs stay readable). Not thread-safe: one caller.
#pragma once

#include <cstdint>
#include <cstdio>

namespace llmc::bench {

class ProgressBar {
 public:
  ProgressBar(int64_t total, bool enabled, std::FILE* out = stderr);
  ~ProgressBar();  // ends the line
  void update(int64_t done, double elapsed_s);

 private:
  void draw(int64_t done, double elapsed_s);
  int64_t total_;
  bool enabled_;
  bool tty_;
  std::FILE* out_;
  double last_draw_ = -1.0;
  int64_t last_tenth_ = -1;
  bool drew_ = false;
};

}  // namespace llmc::bench
