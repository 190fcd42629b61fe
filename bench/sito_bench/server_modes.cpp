// File: bench/sito_bench/server_modes.cpp
//
// `sito-bench e2e` (ending with a backfill of one new topic over the posts
// the runs left in the log) and `sito-bench update`: against sitod over loopback,
// through the C++ client library. By default an in-process sitod is started
// per topic count (RocksDB in a temporary directory, fsync per batch unless
// --no-sync); with --server host:port the tokens of an existing tenant are
// used instead (topics are upserted to it with ids topic0…topicN-1, so run
// increasing counts).
//
// Latency is the mention's arrival at the subscriber minus the post's
// ingested_at (the moment sitod made the producer's batch durable), both
// wall-clock milliseconds of this machine: against a remote server, the two
// clocks must agree.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "sito/client/client.hpp"
#include "sito/server/server.hpp"
#include "sito_bench/bench_options.hpp"
#include "support/firehose_generator.hpp"
#include "support/tenant_generator.hpp"

namespace sito::bench {

namespace {

using namespace std::chrono;
using clock_type = steady_clock;
double since(clock_type::time_point t0) { return duration<double>(clock_type::now() - t0).count(); }
int64_t wall_ms() { return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count(); }

/// An in-process sitod, or the address of an external one.
class bench_target {
 public:
  explicit bench_target(const bench_options& o) : o_(o) {
    if (!o.server.empty()) {
      auto colon = o.server.rfind(':');
      host_ = o.server.substr(0, colon);
      port_ = uint16_t(std::stoi(o.server.substr(colon + 1)));
      return;
    }
    dir_ = std::filesystem::temp_directory_path() / ("sito-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    server::server_config cfg;
    cfg.listen_port = 0;
    cfg.http_enabled = false;
    cfg.data_dir = dir_.string();
    cfg.sync_writes = o.sync_writes;
    if (!o.dedup) cfg.dedup_hours = 0;
    cfg.stats.rollups = o.rollups;
    cfg.tenants.push_back({o.tenant,
                           {{server::sha256_hex(o.producer_token), server::role::producer},
                            {server::sha256_hex(o.subscriber_token), server::role::subscriber},
                            {server::sha256_hex(o.admin_token), server::role::admin}},
                           ""});
    auto srv = server::sitod::create(cfg);
    if (!srv.ok()) throw std::runtime_error("sitod: " + srv.error().message());
    srv_ = std::move(*srv);
    if (auto st = srv_->start(); !st.ok()) throw std::runtime_error("sitod start: " + st.message());
    port_ = srv_->port();
  }
  ~bench_target() {
    if (srv_) {
      srv_->stop();
      std::filesystem::remove_all(dir_);
    }
  }
  client::connection_options options(const std::string& token, client::role r) const {
    client::connection_options c;
    c.host = host_;
    c.port = port_;
    c.token = token;
    c.as = r;
    c.timeout = seconds(600);
    c.client_name = "sito-bench";
    return c;
  }
  /// The server's Stats counters (an admin call), empty when it fails.
  std::map<std::string, double> counters() const {
    std::map<std::string, double> out;
    auto admin = client::connection::open(options(o_.admin_token, client::role::admin));
    if (!admin.ok()) return out;
    auto st = (*admin)->stats();
    if (st.ok())
      for (auto& [k, v] : *st) out[k] = v;
    return out;
  }
  /// Blocks until every appended post is matched (in-process only; else a no-op).
  void wait_until_matched() {
    if (srv_) srv_->wait_until_matched();
  }
  bool in_process() const { return srv_ != nullptr; }

  /// Upserts `topics` in frames of 10k and waits for the steady state: sitod
  /// folds a delta of 256 or more changed topics into a full compile in the
  /// background (smaller deltas are served as they are until its minute timer),
  /// so this waits until delta_topics is under 256.
  double load_topics(std::vector<topic_spec> topics) {
    auto admin = client::connection::open(options(o_.admin_token, client::role::admin));
    if (!admin.ok()) throw std::runtime_error("admin connect: " + admin.error().message());
    for (auto& t : topics) t.tenant = o_.tenant;
    const auto t0 = clock_type::now();
    for (size_t b = 0; b < topics.size(); b += 10000) {
      std::vector<topic_spec> chunk(topics.begin() + long(b), topics.begin() + long(std::min(topics.size(), b + 10000)));
      auto r = (*admin)->upsert_topics(chunk);
      if (!r.ok()) throw std::runtime_error("upsert: " + r.error().message());
    }
    for (int i = 0; i < 3000; ++i) {
      auto st = (*admin)->stats();
      bool merged = false;
      if (st.ok())
        for (auto& [k, v] : *st) merged = merged || (k == "delta_topics" && v < 256);
      if (merged) break;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return since(t0);
  }

 private:
  const bench_options& o_;
  std::filesystem::path dir_;
  std::unique_ptr<server::sitod> srv_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
};

/// Posts for one producer, cycled with fresh ids when the pool runs out.
struct producer_pool {
  std::vector<post> posts;
  size_t next = 0;
  size_t cycle = 0;
  void fill_batch(size_t n, std::vector<post>& out, const std::string& suffix_word) {
    out.clear();
    for (size_t i = 0; i < n; ++i) {
      if (next == posts.size()) {
        next = 0;
        ++cycle;
      }
      post p = posts[next++];
      if (cycle) p.id += "~" + std::to_string(cycle);
      if (!suffix_word.empty()) p.text += " " + suffix_word;
      out.push_back(std::move(p));
    }
  }
};

/// Subscribers that record every mention's latency (and, optionally, the
/// arrival time of the first mention of each topic whose id starts with
/// `watch_prefix`).
class subscriber_group {
 public:
  subscriber_group(const bench_target& target, const bench_options& o, size_t count, const std::string& run,
                   std::string watch_prefix = {})
      : watch_(std::move(watch_prefix)) {
    for (size_t i = 0; i < count; ++i) {
      subs_.push_back(std::make_unique<client::subscriber>(
          target.options(o.subscriber_token, client::role::subscriber),
          client::subscription_options{.name = "sito-bench-" + run + "-" + std::to_string(i),
                                       .topics = {},
                                       .start = client::start_from::latest,
                                       .credit = 100000}));
      (void)subs_.back()->next(milliseconds(10));  // subscribed before anything is published
    }
    for (auto& s : subs_)
      threads_.emplace_back([this, sub = s.get()] {
        std::vector<double> local, local_waits;
        while (!stop_) {
          auto b = sub->next(milliseconds(100));
          if (!b.ok() || b->empty()) continue;
          const int64_t arrived = wall_ms();
          for (const auto& m : *b) {
            local.push_back(double(arrived - m.ingested_at_ms));
            local_waits.push_back(double(m.matched_at_ms - m.ingested_at_ms));
            if (!watch_.empty() && m.topic.rfind(watch_, 0) == 0) {
              std::lock_guard lock(mu_);
              if (!first_seen_.count(m.topic)) {
                first_seen_[m.topic] = clock_type::now();
                cv_.notify_all();
              }
            }
          }
          received_ += b->size();
          last_arrival_ns_ = clock_type::now().time_since_epoch().count();
          (void)sub->commit();
        }
        std::lock_guard lock(mu_);
        latencies_.insert(latencies_.end(), local.begin(), local.end());
        waits_.insert(waits_.end(), local_waits.begin(), local_waits.end());
      });
  }
  ~subscriber_group() { finish(); }

  /// Waits until no mention arrived for `quiet` (at most `limit`), then stops.
  void drain(duration<double> quiet, duration<double> limit) {
    const auto t0 = clock_type::now();
    while (clock_type::now() - t0 < limit) {
      const auto last = clock_type::time_point(clock_type::duration(last_arrival_ns_.load()));
      if (clock_type::now() - last > quiet) break;
      std::this_thread::sleep_for(milliseconds(50));
    }
    finish();
  }
  void finish() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  /// The arrival of the first mention of `topic`, waiting up to `timeout`.
  std::optional<clock_type::time_point> first_mention(const std::string& topic, duration<double> timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return first_seen_.count(topic) > 0; })) return std::nullopt;
    return first_seen_[topic];
  }
  uint64_t received() const { return received_; }
  std::vector<double> latencies() {
    std::lock_guard lock(mu_);
    return latencies_;
  }
  /// For each mention: from ingest to the start of the matcher cycle that
  /// matched its post (mention_record::matched_at_ms), in ms.
  std::vector<double> waits() {
    std::lock_guard lock(mu_);
    return waits_;
  }

 private:
  std::string watch_;
  std::vector<std::unique_ptr<client::subscriber>> subs_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<int64_t> last_arrival_ns_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, clock_type::time_point> first_seen_;
  std::vector<double> latencies_;
  std::vector<double> waits_;
};

struct ack_log {
  std::mutex mu;
  std::vector<std::pair<clock_type::time_point, size_t>> acks;  ///< (when, posts acknowledged)
  std::vector<double> ack_ms;  ///< each publish, sent to acknowledged
};

/// P producers publishing for `seconds` at `rate` posts/s in total (0: as
/// fast as acknowledgements come back). Returns posts acknowledged.
size_t produce(const bench_target& target, const bench_options& o, std::vector<producer_pool>& pools, double rate,
               double seconds, size_t batch, ack_log* log, const std::string& suffix_word = {},
               const std::atomic<bool>* stop = nullptr) {
  std::atomic<size_t> acked{0};
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  for (size_t p = 0; p < pools.size(); ++p)
    threads.emplace_back([&, p] {
      auto conn = client::connection::open(target.options(o.producer_token, client::role::producer));
      if (!conn.ok()) {
        failed = true;
        return;
      }
      std::vector<post> chunk;
      const double my_rate = rate / double(pools.size());
      const auto t0 = clock_type::now();
      size_t sent = 0;
      while (since(t0) < seconds && !(stop && *stop)) {
        if (my_rate > 0) std::this_thread::sleep_until(t0 + duration_cast<clock_type::duration>(duration<double>(double(sent) / my_rate)));
        pools[p].fill_batch(batch, chunk, suffix_word);
        const auto sent_at = clock_type::now();
        auto ack = (*conn)->publish(chunk);
        if (!ack.ok()) {
          failed = true;
          return;
        }
        sent += chunk.size();
        acked += ack->accepted;
        if (log) {
          std::lock_guard lock(log->mu);
          log->acks.emplace_back(clock_type::now(), ack->accepted);
          log->ack_ms.push_back(duration<double, std::milli>(clock_type::now() - sent_at).count());
        }
      }
    });
  for (auto& t : threads) t.join();
  if (failed) std::fprintf(stderr, "a producer failed (connect or publish)\n");
  return acked;
}

std::vector<producer_pool> make_pools(const bench_options& o, const tenant_set& tenants, size_t per_producer) {
  std::vector<producer_pool> pools(o.producers);
  for (size_t p = 0; p < o.producers; ++p) {
    firehose_generator gen({.seed = o.seed * 1000 + p + 1, .brand_rate = o.brand_rate, .median_chars = o.median_chars},
                           tenants.brand_spellings);
    pools[p].posts = gen.take(per_producer);
  }
  return pools;
}

/// Backfill of a new topic over the retained post log (what the e2e runs
/// just ingested), while a producer publishes at `ingest_rate` posts/s: its
/// acknowledgement latency during the backfill, against `idle_ack_ms` (the
/// same rate without one).
void run_backfill(bench_target& target, const bench_options& o, const tenant_set& tenants,
                  std::vector<producer_pool>& pools, double ingest_rate, const std::vector<double>& idle_ack_ms,
                  report& r) {
  auto admin = client::connection::open(target.options(o.admin_token, client::role::admin));
  if (!admin.ok() || tenants.topics.empty()) return;
  topic_spec t = tenants.topics.front();
  t.tenant = o.tenant;
  t.id = "backfill-probe";
  if (!(*admin)->upsert_topics({t}).ok()) return;
  ack_log during;
  std::atomic<bool> stop{false};
  std::thread producer;
  if (ingest_rate > 0)
    producer = std::thread([&] {
      produce(target, o, pools, ingest_rate, 1e9, o.batch.front(), &during, {}, &stop);
    });
  const auto t0 = clock_type::now();
  auto b = (*admin)->backfill(t.id);
  const double secs = since(t0);
  stop = true;
  if (producer.joinable()) producer.join();
  if (ingest_rate > 0 && !during.ack_ms.empty() && !idle_ack_ms.empty()) {
    std::vector<double> idle = idle_ack_ms, busy = during.ack_ms;
    const double idle50 = quantile(idle, 0.5), idle99 = quantile(idle, 0.99);
    const double busy50 = quantile(busy, 0.5), busy99 = quantile(busy, 0.99);
    std::printf("   publish ack latency at %.0f posts/s: p50 %.1f ms, p99 %.1f ms during the backfill"
                " (%zu publishes); p50 %.1f ms, p99 %.1f ms without (%zu): p99 %.2fx\n",
                ingest_rate, busy50, busy99, busy.size(), idle50, idle99, idle.size(),
                idle99 > 0 ? busy99 / idle99 : -1.0);
    r.add("ack_during_backfill", {{"topics_loaded", tenants.topics.size()},
                                  {"posts_per_s", ingest_rate},
                                  {"ack_ms_p50_backfill", busy50},
                                  {"ack_ms_p99_backfill", busy99},
                                  {"ack_ms_p50_idle", idle50},
                                  {"ack_ms_p99_idle", idle99},
                                  {"publishes_backfill", busy.size()},
                                  {"load_average", load_average()}});
  }
  if (!b.ok()) {
    std::fprintf(stderr, "backfill failed: %s\n", b.error().message().c_str());
    return;
  }
  const double rate = double(b->first) / secs;
  std::printf("   backfill of one new topic over the retained log: %llu posts in %.2f s = %.0f posts/s, %llu mentions"
              " (100M posts would take %.0f min; beside a producer at %.0f posts/s)\n",
              static_cast<unsigned long long>(b->first), secs, rate, static_cast<unsigned long long>(b->second),
              rate > 0 ? 1e8 / rate / 60 : -1.0, ingest_rate);
  r.add("backfill", {{"topics_loaded", tenants.topics.size()},
                     {"beside_ingest_posts_per_s", ingest_rate},
                     {"query", t.query},
                     {"posts_scanned", b->first},
                     {"mentions", b->second},
                     {"seconds", secs},
                     {"posts_per_s", rate},
                     {"minutes_per_100m_posts", rate > 0 ? 1e8 / rate / 60 : -1.0},
                     {"load_average", load_average()}});
  (void)(*admin)->delete_topics({t.id});
}

}  // namespace

void run_e2e(const bench_options& o, report& r) {
  const auto& vocab = corpus_vocabulary();
  const size_t batch = o.batch.front();
  std::printf("\n== e2e: sitod over loopback, %zu producer(s), %zu subscriber(s), batch %zu (load %s)\n", o.producers,
              o.subscribers, batch, load_average().c_str());
  std::printf("%8s %10s %12s %12s %12s %8s %8s %8s\n", "topics", "offered", "acked/s", "matched/s", "mentions/s",
              "p50 ms", "p99 ms", "p999 ms");
  for (size_t n : o.topics) {
    auto tenants = generate_tenants({.topics = n, .seed = o.seed, .match_scale = o.match_scale}, vocab);
    bench_target target(o);
    const double load_s = target.load_topics(tenants.topics);
    auto pools = make_pools(o, tenants, 20000);
    std::vector<double> rates = o.rates;
    // The last fixed-rate run's publish acknowledgement latencies: the
    // backfill below runs a producer at that rate and compares.
    std::vector<double> idle_ack_ms;
    double idle_rate = 0;
    for (size_t ri = 0; ri < rates.size(); ++ri) {
      const double rate = rates[ri];
      const std::string run = std::to_string(n) + "-" + std::to_string(ri);
      subscriber_group subs(target, o, o.subscribers, run);
      const auto before = target.counters();
      const auto t0 = clock_type::now();
      ack_log acks;
      const size_t acked = produce(target, o, pools, rate, o.duration_s, batch, rate > 0 ? &acks : nullptr);
      if (rate > 0) {
        idle_ack_ms = acks.ack_ms;
        idle_rate = rate;
      }
      const double produce_s = since(t0);
      target.wait_until_matched();
      const double matched_s = since(t0);
      subs.drain(milliseconds(1000), seconds(30));
      auto lat = subs.latencies();
      const double p50 = quantile(lat, 0.5), p99 = quantile(lat, 0.99), p999 = quantile(lat, 0.999);
      const double ack_rate = double(acked) / produce_s;
      const double match_rate = target.in_process() ? double(acked) / matched_s : -1;
      std::printf("%8zu %10s %12.0f %12.0f %12.0f %8.0f %8.0f %8.0f\n", n,
                  rate > 0 ? std::to_string(size_t(rate)).c_str() : "max", ack_rate, match_rate,
                  double(subs.received()) / matched_s, p50, p99, p999);
      // Where the matcher's time went in this run (the server's counters).
      const auto after = target.counters();
      auto delta = [&](const std::string& k) {
        auto a = after.find(k), b = before.find(k);
        return a == after.end() || b == before.end() ? 0.0 : a->second - b->second;
      };
      const double batches = delta("matcher_batches");
      nlohmann::json matcher = nullptr;
      if (batches > 0) {
        const double posts = delta("posts_matched");
        const double read = delta("matcher_read_us"), scan = delta("matcher_scan_us"),
                     commit = delta("matcher_commit_us"), after_us = delta("matcher_after_us");
        std::printf("   matcher: %.0f batches of %.0f posts; per batch read %.2f ms | scan %.2f | commit %.2f | after"
                    " %.2f; busy %.0f%% of the run\n",
                    batches, posts / batches, read / batches / 1e3, scan / batches / 1e3, commit / batches / 1e3,
                    after_us / batches / 1e3, (read + scan + commit + after_us) / 1e4 / matched_s);
        // The latency split at the matcher cycle's start (both clocks are the
        // server's wall clock for the first part, the bench's for the rest).
        auto waits = subs.waits();
        const double w50 = quantile(waits, 0.5), w99 = quantile(waits, 0.99);
        std::printf("   ingest -> matcher cycle start: p50 %.1f ms, p99 %.1f ms (the rest of the latency above is the"
                    " cycle and the delivery)\n",
                    w50, w99);
        matcher = {{"batches", batches},          {"posts_per_batch", posts / batches},
                   {"wait_ms_p50", w50}, {"wait_ms_p99", w99},
                   {"read_ms_per_batch", read / batches / 1e3}, {"scan_ms_per_batch", scan / batches / 1e3},
                   {"commit_ms_per_batch", commit / batches / 1e3}, {"after_ms_per_batch", after_us / batches / 1e3}};
      }
      r.add("e2e", {{"topics", n},
                    {"terms", tenants.terms},
                    {"offered_posts_per_s", rate > 0 ? nlohmann::json(rate) : nlohmann::json("saturation")},
                    {"producers", o.producers},
                    {"subscribers", o.subscribers},
                    {"batch", batch},
                    {"sync_writes", target.in_process() ? nlohmann::json(o.sync_writes) : nlohmann::json(nullptr)},
                    {"dedup", target.in_process() ? nlohmann::json(o.dedup) : nlohmann::json(nullptr)},
                    {"rollups", target.in_process() ? nlohmann::json(o.rollups) : nlohmann::json(nullptr)},
                    {"topic_load_s", load_s},
                    {"posts_acked", acked},
                    {"acked_posts_per_s", ack_rate},
                    {"matched_posts_per_s", match_rate >= 0 ? nlohmann::json(match_rate) : nlohmann::json(nullptr)},
                    {"mentions_delivered", subs.received()},
                    {"latency_ms_p50", p50},
                    {"latency_ms_p99", p99},
                    {"latency_ms_p999", p999},
                    {"in_process_server", target.in_process()},
                    {"matcher", matcher},
                    {"load_average", load_average()}});
      r.add_latency_series(std::to_string(n) + " topics, " +
                               (rate > 0 ? std::to_string(size_t(rate)) + " posts/s" : std::string("saturation")),
                           std::move(lat));
      // After a saturation run, also measure at half the rate it sustained.
      if (rate == 0 && o.half_load && ri + 1 == rates.size()) {
        const double sustained = match_rate > 0 ? std::min(ack_rate, match_rate) : ack_rate;
        rates.push_back(std::max(100.0, sustained / 2));
      }
    }
    run_backfill(target, o, tenants, pools, idle_rate, idle_ack_ms, r);
  }
}

void run_update(const bench_options& o, report& r) {
  const auto& vocab = corpus_vocabulary();
  const size_t batch = std::min<size_t>(o.batch.front(), std::max<size_t>(1, size_t(o.update_rate / 50)));
  std::printf("\n== update: topic upserts during ingest at %.0f posts/s, batch %zu (load %s)\n", o.update_rate, batch,
              load_average().c_str());
  std::printf("%8s %8s %12s %12s %12s %12s %14s %14s\n", "topics", "upserts", "ack ms p50", "visible p50",
              "visible max", "lag p50 ms", "ingest/s swap", "max ack gap ms");
  const std::string probe_word = "qxsitoprobe";
  for (size_t n : o.topics) {
    auto tenants = generate_tenants({.topics = n, .seed = o.seed, .match_scale = o.match_scale}, vocab);
    bench_target target(o);
    target.load_topics(tenants.topics);
    auto pools = make_pools(o, tenants, 20000);
    subscriber_group subs(target, o, 1, "upd" + std::to_string(n), "probe-");
    ack_log log;
    std::atomic<bool> stop{false};
    std::thread producer([&] {
      produce(target, o, pools, o.update_rate, 1e9, batch, &log, probe_word, &stop);
    });
    auto admin = client::connection::open(target.options(o.admin_token, client::role::admin));
    std::vector<double> ack_ms, visible_ms, swap_rates, gaps;
    std::this_thread::sleep_for(milliseconds(1000));  // steady ingest first
    for (size_t k = 0; admin.ok() && k < o.updates; ++k) {
      topic_spec probe;
      probe.tenant = o.tenant;
      probe.id = "probe-" + std::to_string(n) + "-" + std::to_string(k);
      probe.name = probe.id;
      probe.query = probe_word;
      const auto t_send = clock_type::now();
      auto up = (*admin)->upsert_topics({probe});
      const auto t_ack = clock_type::now();
      if (!up.ok()) {
        std::fprintf(stderr, "upsert failed: %s\n", up.error().message().c_str());
        break;
      }
      auto seen = subs.first_mention(probe.id, seconds(20));
      ack_ms.push_back(duration<double, std::milli>(t_ack - t_send).count());
      if (seen) visible_ms.push_back(duration<double, std::milli>(*seen - t_send).count());
      std::this_thread::sleep_for(milliseconds(1000));
      // Ingest during the swap: acknowledged posts/s over the second after
      // the upsert was sent, and the longest gap between acknowledgements.
      {
        std::lock_guard lock(log.mu);
        size_t posts = 0;
        clock_type::time_point prev = t_send;
        double gap = 0;
        for (auto& [t, c] : log.acks) {
          if (t < t_send || t > t_send + seconds(1)) continue;
          posts += c;
          gap = std::max(gap, duration<double, std::milli>(t - prev).count());
          prev = t;
        }
        swap_rates.push_back(double(posts));
        gaps.push_back(gap);
      }
      (void)(*admin)->delete_topics({probe.id});
      std::this_thread::sleep_for(milliseconds(300));
    }
    stop = true;
    producer.join();
    subs.finish();
    // The ordinary mentions' ingest→subscriber latency over the run: the
    // matcher's lag, which "visible" includes (a new topic's first mention
    // waits behind the posts already queued for matching).
    auto lag = subs.latencies();
    const double lag50 = quantile(lag, 0.5), lag99 = quantile(lag, 0.99);
    const double ack50 = quantile(ack_ms, 0.5);
    const double vis50 = quantile(visible_ms, 0.5);
    const double vismax = visible_ms.empty() ? -1 : *std::max_element(visible_ms.begin(), visible_ms.end());
    const double rate_min = swap_rates.empty() ? -1 : *std::min_element(swap_rates.begin(), swap_rates.end());
    const double gap_max = gaps.empty() ? -1 : *std::max_element(gaps.begin(), gaps.end());
    std::printf("%8zu %8zu %12.1f %12.1f %12.1f %12.1f %14.0f %14.1f\n", n, ack_ms.size(), ack50, vis50, vismax, lag50,
                rate_min, gap_max);
    r.add("update", {{"topics", n},
                     {"terms", tenants.terms},
                     {"offered_posts_per_s", o.update_rate},
                     {"batch", batch},
                     {"upserts", ack_ms.size()},
                     {"visible_count", visible_ms.size()},
                     {"upsert_ack_ms_p50", ack50},
                     {"visible_ms_p50", vis50},
                     {"visible_ms_max", vismax},
                     {"visible_ms_all", visible_ms},
                     {"ingest_posts_per_s_during_swap_min", rate_min},
                     {"max_ack_gap_ms_during_swap", gap_max},
                     {"mention_latency_ms_p50", lag50},
                     {"mention_latency_ms_p99", lag99},
                     {"load_average", load_average()}});
  }
}

}  // namespace sito::bench
