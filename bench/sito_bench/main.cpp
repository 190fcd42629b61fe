// File: bench/sito_bench/main.cpp
//
// sito-bench: capacity benchmarking with peers side by side (DESIGN §6).
//
//   sito-bench engine  --topics 1000,10000,100000 --threads 1,2 --batch 1024
//   sito-bench compile --topics 1000,10000,100000
//   sito-bench e2e     --topics 10000 --producers 1 --subscribers 1 [--rate 0,50000]
//   sito-bench update  --topics 10000,100000 --update-rate 5000
//   sito-bench all     (every mode with the same options)
//
// Every mode prints a human table and writes --out DIR/results.json plus
// charts (throughput_vs_topics.png, latency_cdf.png; .dat/.gp always, PNG
// when gnuplot is installed). Workloads are generated from --seed: the same
// seed, options and installed corpus give the same posts and topics.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <unistd.h>

#include "sito_bench/bench_options.hpp"

namespace {

std::string self_exe(const char* argv0) {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string(argv0);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sito::bench;
  bench_options o;
  CLI::App app{"sito-bench: how many posts/s and topics this box holds, at what latency, next to its peers"};
  app.require_subcommand(1);
  auto common = [&](CLI::App* sub) {
    sub->add_option("--seed", o.seed, "workload seed (posts and topics)")->capture_default_str();
    sub->add_option("--topics", o.topics, "topic counts, e.g. 1000,10000,100000 (about 10 terms each)")
        ->delimiter(',')->capture_default_str();
    sub->add_option("--threads", o.threads, "engine: worker threads, e.g. 1,2")->delimiter(',')->capture_default_str();
    sub->add_option("--batch", o.batch, "engine: posts per scan call; e2e: posts per publish")
        ->delimiter(',')->capture_default_str();
    sub->add_option("--duration", o.duration_s, "seconds per measurement")->capture_default_str();
    sub->add_option("--peer-seconds", o.peer_seconds, "engine: seconds per peer and topic count")->capture_default_str();
    sub->add_flag("!--no-peers", o.peers, "engine: skip raw hs_scan, RE2::Set and Xapian");
    sub->add_flag("--measure-pass", o.measure_pass,
                  "engine: instead of timing, one warm pass then one measured pass over the pool, for "
                  "valgrind --tool=callgrind --toggle-collect='*measured_pool_pass*' (instructions per post = "
                  "Ir / the posts it prints)");
    sub->add_flag("--show-disagreements", o.show_disagreements,
                  "engine: print each mention sito finds and the Xapian percolator misses (topic, query, post)");
    sub->add_option("--xapian-max-topics", o.xapian_max_topics, "engine: skip Xapian above this many topics")
        ->capture_default_str();
    sub->add_option("--brand-rate", o.brand_rate, "share of posts with a brand spelling injected")->capture_default_str();
    sub->add_option("--match-scale", o.match_scale,
                    "scales the topic features that match ordinary posts, and so the mentions per post "
                    "(1: the match-heavy stress workload; lower: fewer, see bench/RESULTS.md)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    sub->add_option("--median-chars", o.median_chars, "median post length in characters")->capture_default_str();
    sub->add_option("--pool", o.pool_posts, "engine: generated posts cycled through")->capture_default_str();
    sub->add_option("--enrich", o.enrich_semantic_share,
                    "engine: also measure near-duplicates + semantic tags on this share of topics (0..1), 1 thread");
    sub->add_option("--out", o.out_dir, "output directory (results.json, charts)")->capture_default_str();
    sub->add_option("--server", o.server, "e2e/update: host:port of a running sitod (default: start one in-process)");
    sub->add_option("--producer-token", o.producer_token, "e2e/update with --server")->capture_default_str();
    sub->add_option("--subscriber-token", o.subscriber_token, "e2e/update with --server")->capture_default_str();
    sub->add_option("--admin-token", o.admin_token, "e2e/update with --server")->capture_default_str();
    sub->add_option("--tenant", o.tenant, "e2e/update: tenant of the topics")->capture_default_str();
    sub->add_option("--producers", o.producers, "e2e: producer connections")->capture_default_str();
    sub->add_option("--subscribers", o.subscribers, "e2e: subscriber connections")->capture_default_str();
    sub->add_option("--rate", o.rates, "e2e: offered posts/s, 0 = saturation, e.g. 0,20000")
        ->delimiter(',')->capture_default_str();
    sub->add_flag("!--no-half-load", o.half_load, "e2e: skip the run at half the saturated rate");
    sub->add_flag("!--no-sync", o.sync_writes, "e2e/update, in-process sitod: no fsync per batch");
    sub->add_flag("!--no-dedup", o.dedup,
                  "e2e/update, in-process sitod: no idempotent-ingest check (to measure what it costs)");
    sub->add_flag("!--no-rollups", o.rollups,
                  "e2e/update, in-process sitod: no hourly rollups of mentions (to measure what they cost)");
    sub->add_option("--update-rate", o.update_rate, "update: offered posts/s during upserts")->capture_default_str();
    sub->add_option("--updates", o.updates, "update: upserts per topic count")->capture_default_str();
  };
  auto* engine = app.add_subcommand("engine", "in-process throughput and batch latency, peers side by side");
  auto* compile = app.add_subcommand("compile", "compile time, peak RSS, single-topic update latency");
  auto* e2e = app.add_subcommand("e2e", "sitod over loopback: throughput and ingest→subscriber latency");
  auto* update = app.add_subcommand("update", "topic upserts during ingest: time until visible, ingest rate");
  auto* all = app.add_subcommand("all", "engine, compile, e2e and update");
  auto* compile_one = app.add_subcommand("compile-one", "internal: one compile measurement (child process)");
  compile_one->group("");
  auto* kafka = app.add_subcommand("kafka", "Kafka mode: posts/s per node through the in-process mock cluster");
  kafka->add_option("--nodes", o.kafka_nodes, "kafka: nodes in the group, e.g. 1,2")->delimiter(',')->capture_default_str();
  kafka->add_option("--partitions", o.kafka_partitions, "kafka: posts topic partitions")->capture_default_str();
  kafka->add_option("--posts", o.kafka_posts, "kafka: posts per run")->capture_default_str();
  for (auto* s : {engine, compile, e2e, update, all, compile_one, kafka}) common(s);
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once in logs

  if (compile_one->parsed()) return run_compile_one(o);

  report r;
  r.set_meta(argc, argv);
  try {
    if (engine->parsed() || all->parsed()) run_engine(o, r);
    if (compile->parsed() || all->parsed()) run_compile(o, r, self_exe(argv[0]));
    if (e2e->parsed() || all->parsed()) run_e2e(o, r);
    if (update->parsed() || all->parsed()) run_update(o, r);
    if (kafka->parsed()) run_kafka(o, r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sito-bench: %s\n", e.what());
    for (auto& line : r.write(o.out_dir)) std::printf("wrote %s\n", line.c_str());
    return 1;
  }
  std::printf("\n");
  for (auto& line : r.write(o.out_dir)) std::printf("wrote %s\n", line.c_str());
  return 0;
}
