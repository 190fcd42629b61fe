// File: bench/sito_bench/report.hpp
//
// sito-bench's output: results.json (machine-readable), the human tables
// (printed by the modes), and charts — gnuplot scripts with their data
// files, rendered to PNG when `gnuplot` is on PATH:
//   throughput_vs_topics.png  posts/s by topic count, sito and its peers
//   latency_cdf.png           ingest→subscriber latency CDF per e2e run
//                             (engine per-batch latency when no e2e ran)
//
// Thread-safety: not thread-safe; the main thread owns it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sito::bench {

struct report {
  nlohmann::json doc = nlohmann::json::object();

  /// Machine, load, date and the command line, under "meta".
  void set_meta(int argc, char** argv);
  /// Appends `row` to the array `section` ("engine", "compile", ...).
  void add(const std::string& section, nlohmann::json row);
  /// A latency sample set for the CDF chart (values in ms, any order).
  void add_latency_series(const std::string& label, std::vector<double> values_ms);

  /// Writes results.json, the .dat/.gp files and, with gnuplot, the PNGs
  /// into `dir` (created). Returns a line per file written, or a note when
  /// gnuplot is missing.
  std::vector<std::string> write(const std::string& dir) const;

 private:
  std::vector<std::pair<std::string, std::vector<double>>> latency_series_;
};

/// p-quantile (0..1) of `v`, sorting it; -1 when empty.
double quantile(std::vector<double>& v, double p);

/// One-line load average from /proc/loadavg ("0.52 0.61 0.70").
std::string load_average();

}  // namespace sito::bench
