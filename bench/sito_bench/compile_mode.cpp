// File: bench/sito_bench/compile_mode.cpp
//
// `sito-bench compile`: for each topic count, in a child process of its own
// (so that peak RSS belongs to that count): topic generation, the
// morphology dictionary load (once per process), the full compile, the
// snapshot size, peak RSS, and the single-topic update latency with those
// topics loaded — what sitod does on an upsert: compile a delta snapshot
// of the changed topic and build its scanner, while the full snapshot
// stays live.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "sito/compile/compiler.hpp"
#include "sito/morph/morphology.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito_bench/bench_options.hpp"
#include "support/tenant_generator.hpp"

extern char** environ;

namespace sito::bench {

namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
}  // namespace

int run_compile_one(const bench_options& o) {
  const size_t n = o.topics.front();
  auto t0 = clock_type::now();
  const auto& vocab = corpus_vocabulary();
  auto tenants = generate_tenants({.topics = n, .seed = o.seed, .match_scale = o.match_scale}, vocab);
  const double generate_s = since(t0);
  t0 = clock_type::now();
  auto morph = morph::morphology::default_instance();
  const double dictionary_s = since(t0);
  compile_report cr;
  t0 = clock_type::now();
  auto snap = compile_topics(tenants.topics, {}, &cr);
  const double compile_s = since(t0);
  if (!snap.ok()) {
    std::fprintf(stderr, "compile failed: %s\n", snap.error().to_string().c_str());
    return 1;
  }
  batch_scanner scanner(*snap);  // the live scanner, as in sitod

  // Single-topic update with n topics loaded: median and worst of 7.
  std::vector<double> update_ms;
  for (int i = 0; i < 7; ++i) {
    topic_spec changed = tenants.topics[size_t(i) * 7919 % tenants.topics.size()];
    changed.query += " -обновление" + std::to_string(i);
    t0 = clock_type::now();
    auto delta = compile_topics(std::span<const topic_spec>(&changed, 1));
    if (!delta.ok()) continue;
    batch_scanner delta_scanner(*delta);
    update_ms.push_back(since(t0) * 1000);
  }
  if (update_ms.empty()) update_ms.push_back(-1);
  const double worst = *std::max_element(update_ms.begin(), update_ms.end());
  const double median = quantile(update_ms, 0.5);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  nlohmann::json j = {{"topics", n},
                      {"terms", tenants.terms},
                      {"tag_terms", tenants.tag_terms},
                      {"atoms", cr.atoms},
                      {"wildcard_patterns", cr.wildcard_patterns},
                      {"errors", cr.errors.size()},
                      {"generate_s", generate_s},
                      {"dictionary_load_s", dictionary_s},
                      {"compile_s", compile_s},
                      {"snapshot_mib", double((*snap)->memory_bytes()) / (1 << 20)},
                      {"peak_rss_mib", double(ru.ru_maxrss) / 1024.0},
                      {"single_topic_update_ms_median", median},
                      {"single_topic_update_ms_max", worst}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

void run_compile(const bench_options& o, report& r, const std::string& self_exe) {
  std::printf("\n== compile: one process per topic count (load %s)\n", load_average().c_str());
  std::printf("%8s %9s %8s %10s %10s %10s %12s %14s\n", "topics", "terms", "atoms", "compile s", "dict s",
              "snap MiB", "peak RSS MiB", "1-topic upd ms");
  for (size_t n : o.topics) {
    int pipefd[2];
    if (::pipe(pipefd) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    const std::string topics = std::to_string(n), seed = std::to_string(o.seed);
    std::vector<std::string> args = {self_exe, "compile-one", "--topics", topics, "--seed", seed};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, self_exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(pipefd[1]);
    std::string output;
    char buf[4096];
    ssize_t k;
    while (rc == 0 && (k = ::read(pipefd[0], buf, sizeof buf)) > 0) output.append(buf, size_t(k));
    ::close(pipefd[0]);
    int status = 0;
    rusage ru{};
    if (rc == 0) ::wait4(pid, &status, 0, &ru);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(output);
    } catch (...) {
      std::fprintf(stderr, "compile-one %zu failed (exit status %d)\n", n, status);
      continue;
    }
    j["child_peak_rss_mib"] = double(ru.ru_maxrss) / 1024.0;
    j["load_average"] = load_average();
    std::printf("%8zu %9zu %8zu %10.2f %10.2f %10.1f %12.0f %14.1f\n", n, j["terms"].get<size_t>(),
                j["atoms"].get<size_t>(), j["compile_s"].get<double>(), j["dictionary_load_s"].get<double>(),
                j["snapshot_mib"].get<double>(), j["peak_rss_mib"].get<double>(),
                j["single_topic_update_ms_median"].get<double>());
    r.add("compile", std::move(j));
  }
}

}  // namespace sito::bench
