// The sweep chart is well-formed SVG with one panel per metric and one line per statistic.
#include "bench/llm_bench/sweep_chart.h"

#include <gtest/gtest.h>

namespace llmc::bench {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(LlmBenchSweepChart, PanelsLinesAndLabels) {
  std::vector<SweepPoint> points;
  for (int64_t c : {1, 2, 4}) {
    SweepPoint p;
    p.concurrency = c;
    p.metrics.output_throughput = 100.0 * static_cast<double>(c);
    for (MetricStats* s : {&p.metrics.ttft, &p.metrics.tpot}) {
      s->median_ms = 10.0 * static_cast<double>(c);
      s->percentiles_ms = {{90, 12.0 * static_cast<double>(c)}, {99, 15.0 * static_cast<double>(c)}};
    }
    points.push_back(p);
  }
  const std::string svg = sweep_chart_svg(points, {"ttft", "tpot"}, "sweep <test>");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("sweep &lt;test&gt;"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 6u);  // 2 panels x (median, p90, p99)
  EXPECT_EQ(count(svg, "data-series=\"p99\""), 2u);
  EXPECT_EQ(count(svg, ">c=4<"), 2u);
  EXPECT_NE(svg.find("TTFT (ms)"), std::string::npos);
  EXPECT_NE(svg.find("TPOT (ms)"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

}  // namespace
}  // namespace llmc::bench
