// File: bench/sito_bench/report.cpp
#include "sito_bench/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace sito::bench {

namespace {

std::string first_line_with(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) {
      auto c = line.find(':');
      std::string v = c == std::string::npos ? line : line.substr(c + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return {};
}

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

std::string num(const nlohmann::json& row, const char* key) {
  if (!row.contains(key) || !row[key].is_number()) return "NaN";
  return std::to_string(row[key].get<double>());
}

}  // namespace

double quantile(std::vector<double>& v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void report::set_meta(int argc, char** argv) {
  auto& m = doc["meta"];
  const auto now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m["date_utc"] = buf;
  m["cpu"] = first_line_with("/proc/cpuinfo", "model name");
  m["hardware_threads"] = std::thread::hardware_concurrency();
  m["mem_total"] = first_line_with("/proc/meminfo", "MemTotal");
  m["load_average_at_start"] = load_average();
  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  m["command"] = cmd;
}

void report::add(const std::string& section, nlohmann::json row) { doc[section].push_back(std::move(row)); }

void report::add_latency_series(const std::string& label, std::vector<double> values_ms) {
  std::sort(values_ms.begin(), values_ms.end());
  latency_series_.emplace_back(label, std::move(values_ms));
}

std::vector<std::string> report::write(const std::string& dir) const {
  namespace fs = std::filesystem;
  std::vector<std::string> lines;
  fs::create_directories(dir);
  nlohmann::json out = doc;
  out["meta"]["load_average_at_end"] = load_average();
  {
    std::ofstream f(fs::path(dir) / "results.json");
    f << out.dump(2) << "\n";
  }
  lines.push_back(dir + "/results.json");
  std::vector<std::string> scripts;

  // Throughput against topics: sito (one thread, and the most threads run)
  // with its peers, from the engine rows measured at the first batch size.
  if (doc.contains("engine")) {
    std::map<double, std::map<std::string, std::string>> by_topics;
    size_t max_threads = 1;
    for (auto& row : doc["engine"]) max_threads = std::max<size_t>(max_threads, row.value("threads", size_t(1)));
    for (auto& row : doc["engine"]) {
      auto& cols = by_topics[row["topics"].get<double>()];
      const size_t th = row.value("threads", size_t(1));
      if (th == 1 && !cols.count("sito1")) cols["sito1"] = num(row, "posts_per_s");
      if (th == max_threads && max_threads > 1 && !cols.count("siton")) cols["siton"] = num(row, "posts_per_s");
    }
    if (doc.contains("peers"))
      for (auto& row : doc["peers"]) {
        auto& cols = by_topics[row["topics"].get<double>()];
        cols["hs"] = num(row, "raw_hs_posts_per_s");
        cols["re2"] = num(row, "re2_set_posts_per_s");
        cols["xapian"] = num(row, "xapian_posts_per_s");
      }
    std::ofstream dat(fs::path(dir) / "throughput_vs_topics.dat");
    dat << "# topics sito_1_thread sito_" << max_threads << "_threads raw_hs_scan re2_set xapian_percolator\n";
    for (auto& [t, c] : by_topics) {
      auto get = [&](const char* k) { return c.count(k) ? c.at(k) : std::string("NaN"); };
      dat << size_t(t) << " " << get("sito1") << " " << get("siton") << " " << get("hs") << " " << get("re2") << " "
          << get("xapian") << "\n";
    }
    std::ofstream gp(fs::path(dir) / "throughput_vs_topics.gp");
    gp << "set terminal pngcairo size 900,560 font 'DejaVu Sans,10'\n"
          "set output 'throughput_vs_topics.png'\n"
          "set title 'Posts/s against number of topics (same posts, same process run)'\n"
          "set logscale xy\nset grid\nset key outside right\n"
          "set xlabel 'topics'\nset ylabel 'posts/s'\nset datafile missing 'NaN'\n"
          "plot 'throughput_vs_topics.dat' using 1:2 with linespoints lw 2 title 'sito, 1 thread', \\\n";
    if (max_threads > 1)
      gp << "     '' using 1:3 with linespoints lw 2 title 'sito, " << max_threads << " threads', \\\n";
    gp << "     '' using 1:4 with linespoints dt 2 title 'raw hs\\_scan (literals only)', \\\n"
          "     '' using 1:5 with linespoints title 'RE2::Set (literals only)', \\\n"
          "     '' using 1:6 with linespoints title 'Xapian percolator'\n";
    scripts.push_back("throughput_vs_topics");
  }

  if (!latency_series_.empty()) {
    std::ofstream gp(fs::path(dir) / "latency_cdf.gp");
    gp << "set terminal pngcairo size 900,560 font 'DejaVu Sans,10'\n"
          "set output 'latency_cdf.png'\n"
          "set title 'Latency CDF'\nset logscale x\nset grid\nset key bottom right\n"
          "set xlabel 'latency, ms'\nset ylabel 'fraction of mentions (or batches)'\nset yrange [0:1]\n"
          "plot ";
    for (size_t i = 0; i < latency_series_.size(); ++i) {
      const auto& [label, v] = latency_series_[i];
      const std::string file = "latency_" + std::to_string(i) + ".dat";
      std::ofstream dat(fs::path(dir) / file);
      dat << "# " << label << ": latency_ms cumulative_fraction\n";
      const size_t step = std::max<size_t>(1, v.size() / 2000);
      for (size_t k = 0; k < v.size(); k += step) dat << std::max(v[k], 0.01) << " " << double(k + 1) / double(v.size()) << "\n";
      if (!v.empty()) dat << std::max(v.back(), 0.01) << " 1\n";
      gp << (i ? ", \\\n     " : "") << "'" << file << "' using 1:2 with lines lw 2 title '" << label << "'";
    }
    gp << "\n";
    scripts.push_back("latency_cdf");
  }

  const bool have_gnuplot = gnuplot_available();
  for (auto& s : scripts) {
    if (have_gnuplot) {
      const std::string cmd = "cd '" + dir + "' && gnuplot " + s + ".gp 2>gnuplot.log";
      lines.push_back(std::system(cmd.c_str()) == 0 ? dir + "/" + s + ".png" : "gnuplot failed on " + s + ".gp");
    } else {
      lines.push_back(dir + "/" + s + ".gp (gnuplot not found: install gnuplot-nox and run `gnuplot " + s + ".gp` there)");
    }
  }
  return lines;
}

}  // namespace sito::bench
