#include "bench/llm_bench/progress_bar.h"

#include <unistd.h>

#include <string>

namespace llmc::bench {

namespace {

std::string clock_text(double s) {
  const auto t = static_cast<int64_t>(s < 0 ? 0 : s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(t / 60),
                static_cast<long long>(t % 60));
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(int64_t total, bool enabled, std::FILE* out)
    : total_(total), enabled_(enabled && total > 0), tty_(isatty(fileno(out)) != 0), out_(out) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && drew_ && tty_) std::fputc('\n', out_);
}

void ProgressBar::update(int64_t done, double elapsed_s) {
  if (!enabled_) return;
  if (tty_) {
    if (done < total_ && elapsed_s - last_draw_ < 0.1) return;
    last_draw_ = elapsed_s;
    return draw(done, elapsed_s);
  }
  const int64_t tenth = done * 10 / total_;
  if (tenth == last_tenth_) return;
  last_tenth_ = tenth;
  draw(done, elapsed_s);
}

void ProgressBar::draw(int64_t done, double elapsed_s) {
  constexpr int kWidth = 30;
  const double frac = static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  std::fprintf(out_, "%s%3d%%|%s| %lld/%lld [%s<%s, %.2f req/s]%s", tty_ ? "\r" : "",
               static_cast<int>(frac * 100), bar.c_str(), static_cast<long long>(done),
               static_cast<long long>(total_), clock_text(elapsed_s).c_str(), clock_text(left).c_str(), rate,
               tty_ ? "" : "\n");
  std::fflush(out_);
  drew_ = true;
}

}  // namespace llmc::bench
