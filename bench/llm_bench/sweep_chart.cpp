#include "bench/llm_bench/sweep_chart.h"

#include <algorithm>
#include <cmath>

namespace llmc::bench {

namespace {

constexpr double kPanelW = 460, kPanelH = 320, kMarginL = 70, kMarginB = 50, kMarginT = 40, kMarginR = 20;
const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

// A round step giving about `count` ticks over [0, hi].
double tick_step(double hi, int count) {
  if (hi <= 0) return 1;
  const double raw = hi / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

const MetricStats& stats_of(const BenchmarkMetrics& m, const std::string& key) {
  if (key == "ttft") return m.ttft;
  if (key == "tpot") return m.tpot;
  if (key == "itl") return m.itl;
  return m.e2el;
}

std::string metric_title(const std::string& key) {
  if (key == "ttft") return "TTFT (ms)";
  if (key == "tpot") return "TPOT (ms)";
  if (key == "itl") return "ITL (ms)";
  return "E2E latency (ms)";
}

std::string panel(std::span<const SweepPoint> points, const std::string& key, double ox, double oy) {
  // Series: median, then each percentile, in the order the run computed them.
  std::vector<std::string> names{"median"};
  for (const auto& [p, v] : stats_of(points[0].metrics, key).percentiles_ms)
    names.push_back(std::string("p").append(percentile_word(p)));
  auto value = [&](const SweepPoint& pt, size_t s) {
    const MetricStats& st = stats_of(pt.metrics, key);
    return s == 0 ? st.median_ms : st.percentiles_ms[s - 1].second;
  };
  double x_hi = 0, y_hi = 0;
  for (const SweepPoint& pt : points) {
    x_hi = std::max(x_hi, pt.metrics.output_throughput);
    for (size_t s = 0; s < names.size(); ++s) y_hi = std::max(y_hi, value(pt, s));
  }
  const double xs = tick_step(x_hi * 1.05, 5), ys = tick_step(y_hi * 1.05, 5);
  x_hi = std::max(xs, std::ceil(x_hi * 1.05 / xs) * xs);
  y_hi = std::max(ys, std::ceil(y_hi * 1.05 / ys) * ys);
  const double pw = kPanelW - kMarginL - kMarginR, ph = kPanelH - kMarginT - kMarginB;
  const double left = ox + kMarginL, top = oy + kMarginT, bottom = top + ph;
  auto px = [&](double x) { return left + x / x_hi * pw; };
  auto py = [&](double y) { return bottom - y / y_hi * ph; };

  std::string s = "<g>\n";
  s += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(oy + 24) +
       "\" text-anchor=\"middle\" font-weight=\"bold\">" + metric_title(key) +
       " vs output throughput</text>\n";
  for (double x = 0; x <= x_hi + 1e-9; x += xs) {
    s += "<line x1=\"" + num(px(x)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(px(x)) + "\" y2=\"" +
         num(bottom) + "\" stroke=\"#eee\"/>\n<text x=\"" + num(px(x)) + "\" y=\"" + num(bottom + 16) +
         "\" text-anchor=\"middle\" font-size=\"11\">" + num(x) + "</text>\n";
  }
  for (double y = 0; y <= y_hi + 1e-9; y += ys) {
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(y)) + "\" x2=\"" + num(left + pw) + "\" y2=\"" +
         num(py(y)) + "\" stroke=\"#eee\"/>\n<text x=\"" + num(left - 6) + "\" y=\"" + num(py(y) + 4) +
         "\" text-anchor=\"end\" font-size=\"11\">" + num(y) + "</text>\n";
  }
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
       "\" fill=\"none\" stroke=\"#444\"/>\n";
  s += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(bottom + 36) +
       "\" text-anchor=\"middle\" font-size=\"12\">output tokens/s</text>\n";
  s += "<text transform=\"translate(" + num(ox + 18) + "," + num(top + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">ms</text>\n";
  for (size_t series = 0; series < names.size(); ++series) {
    const char* colour = kColours[series % std::size(kColours)];
    std::string path;
    for (const SweepPoint& pt : points) {
      if (!path.empty()) path += ' ';
      path += num(px(pt.metrics.output_throughput));
      path += ',';
      path += num(py(value(pt, series)));
    }
    s += "<polyline class=\"series\" data-series=\"" + names[series] + "\" points=\"" + path +
         "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
    for (const SweepPoint& pt : points) {
      const double x = px(pt.metrics.output_throughput), y = py(value(pt, series));
      s += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3.5\" fill=\"" + colour + "\"><title>" +
           names[series] + " " + num(value(pt, series)) + " ms at " + num(pt.metrics.output_throughput) +
           " tok/s, concurrency " + std::to_string(pt.concurrency) + "</title></circle>\n";
      if (series + 1 == names.size()) {
        s += "<text x=\"" + num(x + 5) + "\" y=\"" + num(y - 6) +
             "\" font-size=\"10\">c=" + std::to_string(pt.concurrency) + "</text>\n";
      }
    }
    s += "<text x=\"" + num(left + 8) + "\" y=\"" + num(top + 14 + 14 * static_cast<double>(series)) +
         "\" font-size=\"11\" fill=\"" + colour + "\">" + names[series] + "</text>\n";
  }
  return s + "</g>\n";
}

}  // namespace

std::string sweep_chart_svg(std::span<const SweepPoint> points, const std::vector<std::string>& metric_keys,
                            const std::string& title) {
  const size_t panels = std::max<size_t>(1, metric_keys.size());
  const size_t cols = std::min<size_t>(2, panels), rows = (panels + 1) / 2;
  const double width = kPanelW * static_cast<double>(cols), height = 40 + kPanelH * static_cast<double>(rows);
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
                  num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
                  "\" font-family=\"sans-serif\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(width / 2) + "\" y=\"26\" text-anchor=\"middle\" font-size=\"16\">" +
       escape(title) + "</text>\n";
  if (!points.empty()) {
    for (size_t i = 0; i < metric_keys.size(); ++i) {
      s += panel(points, metric_keys[i], kPanelW * static_cast<double>(i % 2),
                 40 + kPanelH * static_cast<double>(i / 2));
    }
  }
  return s + "</svg>\n";
}

}  // namespace llmc::bench
