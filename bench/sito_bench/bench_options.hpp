// File: bench/sito_bench/bench_options.hpp
//
// The options every sito-bench mode shares, and the entry points of the
// modes. Each mode appends its results to a report (report.hpp) and prints
// a human table as it goes.
//
// Thread-safety: modes run one after the other on the main thread; the
// options are read-only while they run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sito_bench/report.hpp"

namespace sito::bench {

struct bench_options {
  uint64_t seed = 42;
  std::vector<size_t> topics = {1000, 10000};  ///< topic-set sizes
  std::vector<size_t> threads = {1};           ///< engine: worker threads
  std::vector<size_t> batch = {1024};          ///< engine: posts per scan call; e2e: posts per publish
  double duration_s = 3;                       ///< per measurement
  double peer_seconds = 2;                     ///< per peer and topic count (each peer stops after this)
  bool peers = true;                           ///< engine: measure the peers too
  bool measure_pass = false;                   ///< engine: one warm + one measured pass per topic count, no timing
  size_t xapian_max_topics = 100000;           ///< engine: skip the Xapian peer above this many topics
  bool show_disagreements = false;             ///< engine: print each mention sito finds and Xapian does not
  double brand_rate = 0.05;                    ///< share of posts with a brand spelling injected
  double match_scale = 1.0;                    ///< tenant_options::match_scale: 1 the stress workload, lower fewer mentions
  double median_chars = 140;                   ///< median post length in characters (log-normal)
  size_t pool_posts = 16384;                   ///< generated posts cycled through by the engine mode
  /// engine: also measure the issue-12 lanes, single-threaded, beside the
  /// plain scan: this share of topics gets a semantic tag (3 examples, 1
  /// counter-example of corpus words), and every batch's matched posts go
  /// through the near-duplicate detector; < 0: not measured.
  double enrich_semantic_share = -1;
  std::string out_dir = "sito-bench-out";
  // e2e / update
  std::string server;  ///< host:port of a running sitod; empty: start one in-process
  std::string producer_token = "p", subscriber_token = "s", admin_token = "a";
  std::string tenant = "bench";  ///< the tenant the topics are upserted to (external server: the tokens' tenant)
  size_t producers = 1;
  size_t subscribers = 1;
  std::vector<double> rates = {0};  ///< e2e: offered posts/s; 0 = saturation; "half" is added after a saturation run
  bool half_load = true;            ///< e2e: after a saturation run, also run at half the measured rate
  bool sync_writes = true;          ///< in-process sitod: fsync each batch
  bool rollups = true;              ///< in-process sitod: hourly rollups of mentions (stats.rollups)
  bool dedup = true;                ///< in-process sitod: idempotent ingest (post id check) on
  double update_rate = 5000;        ///< update: offered posts/s during the upserts
  size_t updates = 5;               ///< update: upserts measured per topic count
  // kafka (kafka_mode.cpp)
  std::vector<size_t> kafka_nodes = {1, 2};  ///< nodes in the group, one run each
  size_t kafka_partitions = 6;
  size_t kafka_posts = 50000;
};

void run_engine(const bench_options& o, report& r);
void run_compile(const bench_options& o, report& r, const std::string& self_exe);
/// The child process of run_compile: one topic count per process, so that
/// its peak RSS belongs to that count. Prints one JSON object on stdout.
int run_compile_one(const bench_options& o);
/// Also measures a backfill of one new topic over the posts the runs ingested.
void run_e2e(const bench_options& o, report& r);
void run_update(const bench_options& o, report& r);
/// Kafka mode through librdkafka's in-process mock cluster (README "Scale-out").
void run_kafka(const bench_options& o, report& r);

}  // namespace sito::bench
