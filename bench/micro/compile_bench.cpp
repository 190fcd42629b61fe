// Compile time and peak RSS for N generated topics, one N per process so the
// peak belongs to that N:  compile_bench 100000
// Prints one JSON line.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "sito/compile/compiler.hpp"
#include "support/workload.hpp"

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  auto posts = sito::bench::fortune_posts();
  auto vocab = sito::bench::vocabulary(posts);
  posts.clear();
  posts.shrink_to_fit();
  size_t terms = 0;
  auto topics = sito::bench::make_topics(n, vocab, 42, &terms);
  // The morphology dictionary is process-wide and shared by every snapshot:
  // load it first so its time is reported on its own.
  auto t0 = std::chrono::steady_clock::now();
  auto morph = sito::morph::morphology::default_instance();
  auto t1 = std::chrono::steady_clock::now();
  sito::compile_report report;
  auto snap = sito::compile_topics(topics, {}, &report);
  auto t2 = std::chrono::steady_clock::now();
  if (!snap.ok()) {
    std::fprintf(stderr, "compile failed: %s\n", snap.error().to_string().c_str());
    return 1;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "{\"topics\":%zu,\"terms\":%zu,\"atoms\":%zu,\"wildcards\":%zu,\"errors\":%zu,\"dictionary_load_s\":%.3f,"
      "\"compile_s\":%.3f,\"snapshot_mib\":%.1f,\"peak_rss_mib\":%.1f}\n",
      n, terms, report.atoms, report.wildcard_patterns, report.errors.size(),
      std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
      double((*snap)->memory_bytes()) / (1 << 20), double(ru.ru_maxrss) / 1024.0);
  return 0;
}
