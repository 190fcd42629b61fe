// Calls per second of a callable, for embed_bench and preprocess_bench
// (plain timers: the standalone GPU build has no Google Benchmark).
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace sito::bench {

/// Runs `f` (which returns false on failure) once to warm up, then in
/// `rounds` rounds of at least seconds / rounds each; returns the median
/// round's calls per second, or -1 when a call failed.
template <typename F>
double calls_per_second(double seconds, int rounds, F&& f) {
  if (!f()) return -1;
  std::vector<double> rates;
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    size_t calls = 0;
    double elapsed = 0;
    do {
      if (!f()) return -1;
      ++calls;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds / rounds);
    rates.push_back(static_cast<double>(calls) / elapsed);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace sito::bench
