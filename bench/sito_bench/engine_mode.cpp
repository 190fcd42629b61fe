// File: bench/sito_bench/engine_mode.cpp
//
// `sito-bench engine`: in-process throughput and per-batch latency by
// topics × threads × batch size, then, for each topic count, the peers on
// the same posts in the same process: raw hs_scan and RE2::Set on the same
// token bytes, and the Xapian percolator on the same posts, with how many
// mentions each finds against sito.
#include <fcntl.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "peers/literal_peers.hpp"
#include "peers/xapian_percolator.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/dedup/post_check.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/enrich/semantic_tags.hpp"
#include "sito/scan/semantic_facts.hpp"
#include "sito/model/post.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/scan/stage_cycles.hpp"
#include "sito/text/token_hash.hpp"
#include "sito_bench/bench_options.hpp"
#include "support/firehose_generator.hpp"
#include "support/tenant_generator.hpp"

namespace sito::bench {

namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

/// Sends stderr to /dev/null while alive: RE2 logs a line to stderr for
/// every over-budget simplification of a large Set (thousands of lines).
class quiet_stderr {
 public:
  quiet_stderr() : saved_(::dup(2)) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 2);
      ::close(null);
    }
  }
  ~quiet_stderr() {
    if (saved_ >= 0) {
      ::dup2(saved_, 2);
      ::close(saved_);
    }
  }
  quiet_stderr(const quiet_stderr&) = delete;
  quiet_stderr& operator=(const quiet_stderr&) = delete;

 private:
  int saved_;
};

struct sito_figures {
  double posts_per_s = 0;
  double mentions_per_post = 0;
  double evaluated_per_post = 0;
  std::vector<double> batch_latency_us;
};

sito_figures measure_sito(const batch_scanner& scanner, const std::vector<post>& pool, size_t threads, size_t batch,
                          double seconds) {
  sito_figures f;
  scan_output out;
  size_t offset = 0, posts = 0, mentions = 0, evaluated = 0;
  tbb::task_arena arena{static_cast<int>(threads)};
  const auto t0 = clock_type::now();
  while (since(t0) < seconds || posts == 0) {
    if (offset + batch > pool.size()) offset = 0;
    std::span<const post> b(pool.data() + offset, std::min(batch, pool.size()));
    const auto s = clock_type::now();
    if (threads == 1) scanner.scan_serial(b, out);
    else arena.execute([&] { scanner.scan(b, out); });
    f.batch_latency_us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - s).count());
    mentions += out.matches.size();
    evaluated += out.topics_evaluated;
    posts += b.size();
    offset += b.size();
  }
  const double el = since(t0);
  f.posts_per_s = double(posts) / el;
  f.mentions_per_post = double(mentions) / double(posts);
  f.evaluated_per_post = double(evaluated) / double(posts);
  return f;
}

/// The issue-12 lanes after each scan, as sitod runs them: the matched posts
/// through the near-duplicate detector, the semantic tags decided, the facts
/// applied (1 thread, CPU backend). The steps of sito::batch_enricher, spelled
/// out here because the detector gets salted bigrams (below). Stream time advances 5 ms a post (200
/// posts/s), so the 24 h window's cap (max_posts), not its time, binds.
///
/// Steady state, not a warm-up: fill_window() fills the window to its cap
/// before anything is timed, as a long-running sitod's window is full and
/// every check evicts a post. And each pass over the pool is a new cycle of
/// the stream: the detector sees its posts' bigram hashes salted by the
/// cycle, so a post meets the near-duplicates of its own cycle (the
/// generator's repeats, reposts) but not its own copies from earlier passes,
/// which in a real stream would be other posts (without the salt every
/// check after the first pass found a copy and took the detector's cheapest
/// path).
class enriched_lane {
 public:
  explicit enriched_lane(const batch_scanner& scanner)
      : scanner_(scanner), cpu_(enrich::make_cpu_embedding_backend()), tagger_(*cpu_) {}

  /// Scans one batch and enriches it; returns its mentions.
  size_t run(std::span<const post> b) {
    scanner_.scan_serial(b, out_);
    times_.resize(b.size());
    for (auto& t : times_) t = clock_ms_ += 5;
    dedup::check_posts(index_, b, out_.matched_posts, times_, dups_,
                       [this](uint32_t i) { return salted(out_.bigrams_of(i)); });
    facts_.assign(b.size(), {});
    for (const uint32_t i : out_.matched_posts) facts_[i].duplicate = dups_[i].duplicate;
    (void)tagger_.decide(*scanner_.snapshot(), b, out_, facts_);
    scanner_.apply_facts(b, facts_, out_);
    return out_.matches.size();
  }

  /// The next pass over the pool is a new cycle of the stream.
  void next_cycle() {
    ++cycle_;
    salt_ = text::token_hash(std::string_view(reinterpret_cast<const char*>(&cycle_), sizeof cycle_));
  }

  /// Fills the window to its cap with the pool's matched posts, a new cycle
  /// per pass over them (without scanning them again), then starts a cycle.
  void fill_window(std::span<const post> pool, size_t batch) {
    std::vector<std::pair<uint32_t, std::vector<uint64_t>>> matched;
    for (size_t b = 0; b < pool.size(); b += batch) {
      scanner_.scan_serial(pool.subspan(b, std::min(batch, pool.size() - b)), out_);
      for (const uint32_t i : out_.matched_posts)
        if (const auto g = out_.bigrams_of(i)) matched.emplace_back(uint32_t(b + i), std::vector(g->begin(), g->end()));
    }
    const size_t cap = index_.options().max_posts;
    while (index_.size() < cap) {
      next_cycle();
      const size_t before = index_.size();
      for (const auto& [i, g] : matched) {
        (void)index_.check_and_add_bigrams(pool[i].id, dedup::author_of(pool[i]), clock_ms_ += 5, *salted(g));
        if (index_.size() >= cap) break;
      }
      if (index_.size() == before) break;  // no post long enough to be held
    }
    next_cycle();
  }

  uint64_t posts_embedded() const { return tagger_.posts_embedded(); }
  const dedup::near_duplicate_index& window() const { return index_; }
  const dedup::near_duplicate_stats& dedup_stats() const { return index_.stats(); }

 private:
  std::optional<std::span<const uint64_t>> salted(std::optional<std::span<const uint64_t>> grams) {
    if (!grams || salt_ == 0) return grams;
    salted_.resize(grams->size());
    for (size_t k = 0; k < grams->size(); ++k) salted_[k] = (*grams)[k] ^ salt_;
    return std::span<const uint64_t>(salted_);
  }

  const batch_scanner& scanner_;
  scan_output out_;
  dedup::near_duplicate_index index_;
  std::unique_ptr<enrich::embedding_backend> cpu_;
  semantic_tagger tagger_;
  std::vector<int64_t> times_;
  std::vector<dedup::near_duplicate_match> dups_;
  std::vector<stream_facts> facts_;
  std::vector<uint64_t> salted_;
  int64_t clock_ms_ = 0;
  uint64_t cycle_ = 0, salt_ = 0;
};

/// Enriched posts/s over `seconds` of `lane` (persistent: its window stays
/// full from one call to the next); a new stream cycle at every wrap of the
/// pool.
sito_figures measure_enriched(enriched_lane& lane, const std::vector<post>& pool, size_t batch, double seconds) {
  sito_figures f;
  size_t offset = 0, posts = 0, mentions = 0;
  const uint64_t embedded_before = lane.posts_embedded();
  const auto t0 = clock_type::now();
  while (since(t0) < seconds || posts == 0) {
    if (offset + batch > pool.size()) {
      offset = 0;
      lane.next_cycle();
    }
    std::span<const post> b(pool.data() + offset, std::min(batch, pool.size()));
    mentions += lane.run(b);
    posts += b.size();
    offset += b.size();
  }
  f.posts_per_s = double(posts) / since(t0);
  f.mentions_per_post = double(mentions) / double(posts);
  f.evaluated_per_post = double(lane.posts_embedded() - embedded_before) / double(posts);  // posts embedded per post
  return f;
}

/// One enriched pass over the whole pool, out of line so that callgrind counts
/// exactly this pass (`--measure-pass --enrich S`):
///   valgrind --tool=callgrind --toggle-collect='*measured_enriched_pass*' sito-bench engine --measure-pass --enrich S ...
[[gnu::noinline]] size_t measured_enriched_pass(enriched_lane& lane, const std::vector<post>& pool, size_t batch) {
  size_t mentions = 0;
  for (size_t b = 0; b < pool.size(); b += batch)
    mentions += lane.run(std::span<const post>(pool.data() + b, std::min(batch, pool.size() - b)));
  return mentions;
}

/// `share` of the topics (every k-th) with one semantic tag of corpus words.
void add_semantic_tags(std::vector<topic_spec>& topics, double share, const std::vector<std::string>& vocab,
                       uint64_t seed) {
  if (share <= 0) return;
  std::mt19937_64 rng(seed ^ 0x5e3a471cULL);
  auto phrase = [&] {
    std::string p;
    for (int w = 0, n = 3 + static_cast<int>(rng() % 3); w < n; ++w) p += (w ? " " : "") + vocab[rng() % vocab.size()];
    return p;
  };
  const size_t every = std::max<size_t>(1, static_cast<size_t>(1.0 / std::min(share, 1.0) + 0.5));
  for (size_t i = 0; i < topics.size(); i += every)
    topics[i].tags.push_back({"Смысл/" + topics[i].id, "", {phrase(), phrase(), phrase()}, {phrase()}, -1});
}

/// One pass over the whole pool, batch by batch, on this thread; returns the mentions.
size_t pool_pass(const batch_scanner& scanner, const std::vector<post>& pool, size_t batch, scan_output& out) {
  size_t mentions = 0;
  for (size_t b = 0; b < pool.size(); b += batch) {
    scanner.scan_serial(std::span<const post>(pool.data() + b, std::min(batch, pool.size() - b)), out);
    mentions += out.matches.size();
  }
  return mentions;
}

/// The same, out of line so that callgrind counts exactly this pass:
///   valgrind --tool=callgrind --toggle-collect='*measured_pool_pass*' sito-bench engine --measure-pass ...
[[gnu::noinline]] size_t measured_pool_pass(const batch_scanner& scanner, const std::vector<post>& pool, size_t batch,
                                            scan_output& out) {
  return pool_pass(scanner, pool, batch, out);
}

}  // namespace

void run_engine(const bench_options& o, report& r) {
  const auto& vocab = corpus_vocabulary();
  std::printf("\n== engine: in-process, posts/s by topics x threads x batch (load %s)\n", load_average().c_str());
  std::printf("%8s %9s %7s %6s %12s %10s %10s %10s %9s\n", "topics", "terms", "threads", "batch", "posts/s",
              "p50 batch", "p99 batch", "p999", "mentions");
  std::printf("%8s %9s %7s %6s %12s %10s %10s %10s %9s\n", "", "", "", "", "", "us", "us", "us", "per post");
  for (size_t n : o.topics) {
    auto tenants = generate_tenants({.topics = n, .seed = o.seed, .match_scale = o.match_scale}, vocab);
    firehose_generator gen({.seed = o.seed, .brand_rate = o.brand_rate, .median_chars = o.median_chars},
                           tenants.brand_spellings);
    const std::vector<post> pool = gen.take(o.pool_posts);
    double bytes_per_post = 0;
    for (auto& p : pool) bytes_per_post += double(p.title.size() + p.text.size());
    bytes_per_post /= double(pool.size());
    compile_report cr;
    const auto c0 = clock_type::now();
    auto snap = compile_topics(tenants.topics, {}, &cr);
    const double compile_s = since(c0);
    if (!snap.ok()) {
      std::fprintf(stderr, "compile failed: %s\n", snap.error().to_string().c_str());
      continue;
    }
    batch_scanner scanner(*snap);
    // With --enrich: the same topics, `share` of them with a semantic tag.
    std::optional<batch_scanner> enriched;
    if (o.enrich_semantic_share >= 0) {
      auto enriched_topics = tenants.topics;
      add_semantic_tags(enriched_topics, o.enrich_semantic_share, vocab, o.seed);
      compile_report ecr;
      auto esnap = compile_topics(enriched_topics, {}, &ecr);
      if (!esnap.ok()) {
        std::fprintf(stderr, "compile failed: %s\n", esnap.error().to_string().c_str());
        continue;
      }
      enriched.emplace(*esnap, scan_options{.near_duplicate_bigrams = true});
    }
    if (o.measure_pass) {
      // Steady state first, as in a long-running sitod: every distinct token
      // of the pool has been resolved and cached once.
      if (enriched) {
        // And the near-duplicate window is full (enriched_lane: steady state),
        // the pass a new cycle of the stream.
        enriched_lane lane(*enriched);
        lane.fill_window(pool, o.batch.front());
        const auto before = lane.dedup_stats();
        const uint64_t embedded_before = lane.posts_embedded();
        const size_t mentions = measured_enriched_pass(lane, pool, o.batch.front());
        const auto& after = lane.dedup_stats();
        const double np = double(pool.size());
        std::printf("%8zu %9zu measured enriched pass (near-duplicates + semantic tags on %.0f%% of topics): %zu posts, "
                    "%zu mentions (%.2f per post), %.3f checked, %.3f duplicates, %.2f candidates, %.3f embedded per "
                    "post\n",
                    n, tenants.terms, 100 * o.enrich_semantic_share, pool.size(), mentions, double(mentions) / np,
                    double(after.checked - before.checked) / np, double(after.duplicates - before.duplicates) / np,
                    double(after.candidates - before.candidates) / np,
                    double(lane.posts_embedded() - embedded_before) / np);
        continue;
      }
      scan_output out;
      (void)pool_pass(scanner, pool, o.batch.front(), out);
      const size_t mentions = measured_pool_pass(scanner, pool, o.batch.front(), out);
      std::printf("%8zu %9zu measured pass: %zu posts, %zu mentions (%.2f per post), %.0f bytes per post\n", n,
                  tenants.terms, pool.size(), mentions, double(mentions) / double(pool.size()), bytes_per_post);
      continue;
    }
    if (enriched) {
      // Plain and enriched side by side, alternating twice, one thread.
      double plain_sum = 0, enriched_sum = 0;
      sito_figures e;
      enriched_lane lane(*enriched);
      lane.fill_window(pool, o.batch.front());
      const auto before = lane.dedup_stats();
      for (int round = 0; round < 2; ++round) {
        plain_sum += measure_sito(scanner, pool, 1, o.batch.front(), o.duration_s).posts_per_s;
        e = measure_enriched(lane, pool, o.batch.front(), o.duration_s);
        enriched_sum += e.posts_per_s;
      }
      const auto& after = lane.dedup_stats();
      const double checked = double(after.checked - before.checked);
      const auto& esnap = enriched->snapshot();
      std::printf("%8zu enrich (near-duplicates + semantic tags on %.0f%% of topics, %zu semantic tags): plain %.0f "
                  "posts/s, enriched %.0f posts/s, cost %.1f%% (%.2f mentions, %.3f posts embedded per post; "
                  "window full at %zu posts, %.1f%% of the checked posts duplicates)\n",
                  n, 100 * o.enrich_semantic_share, esnap->semantic_tags ? esnap->semantic_tags->tags() : 0,
                  plain_sum / 2, enriched_sum / 2, 100 * (1 - enriched_sum / plain_sum), e.mentions_per_post,
                  e.evaluated_per_post, lane.window().size(),
                  checked > 0 ? 100 * double(after.duplicates - before.duplicates) / checked : 0.0);
      r.add("engine_enrich", {{"topics", n},
                              {"semantic_share", o.enrich_semantic_share},
                              {"plain_posts_per_s", plain_sum / 2},
                              {"enriched_posts_per_s", enriched_sum / 2},
                              {"cost", 1 - enriched_sum / plain_sum}});
    }
    double sito_single_batch0 = 0;
    for (size_t th : o.threads)
      for (size_t b : o.batch) {
        reset_stage_cycles();
        auto f = measure_sito(scanner, pool, th, b, o.duration_s);
        const stage_cycles_report stages = read_stage_cycles();
        if (th == 1 && b == o.batch.front()) sito_single_batch0 = f.posts_per_s;
        std::vector<double> lat = f.batch_latency_us;
        const double p50 = quantile(lat, 0.5), p99 = quantile(lat, 0.99), p999 = quantile(lat, 0.999);
        std::printf("%8zu %9zu %7zu %6zu %12.0f %10.0f %10.0f %10.0f %9.2f\n", n, tenants.terms, th, b, f.posts_per_s,
                    p50, p99, p999, f.mentions_per_post);
        if (stages.enabled && th == 1)  // (a build with -DSITO_STAGE_CYCLES=ON)
          std::printf("   stage cycles per post: analyze %.0f | terms %.0f | select %.0f | programs %.0f | mentions %.0f"
                      "  (per post: %.1f hits written, %.1f distinct atoms grouped, %.1f candidates)\n",
                      stages.cycles_per_post[0], stages.cycles_per_post[1], stages.cycles_per_post[2],
                      stages.cycles_per_post[3], stages.cycles_per_post[4], stages.hits_per_post,
                      stages.distinct_atoms_per_post, stages.candidates_per_post);
        r.add("engine", {{"topics", n},
                         {"terms", tenants.terms},
                         {"match_scale", o.match_scale},
                         {"tag_terms", tenants.tag_terms},
                         {"threads", th},
                         {"batch", b},
                         {"posts_per_s", f.posts_per_s},
                         {"posts_per_s_per_thread", f.posts_per_s / double(th)},
                         {"mb_per_s", f.posts_per_s * bytes_per_post / 1e6},
                         {"bytes_per_post", bytes_per_post},
                         {"batch_latency_us_p50", p50},
                         {"batch_latency_us_p99", p99},
                         {"batch_latency_us_p999", p999},
                         {"mentions_per_post", f.mentions_per_post},
                         {"topics_evaluated_per_post", f.evaluated_per_post},
                         {"compile_s", compile_s},
                         {"compile_errors", cr.errors.size()},
                         {"load_average", load_average()}});
        if (th == o.threads.back() && b == o.batch.front() && o.topics.size() <= 2 && n == o.topics.back())
          r.add_latency_series("engine batch of " + std::to_string(b) + ", " + std::to_string(n) + " topics, " +
                                   std::to_string(th) + " thr (us/1000)",
                               [&] {
                                 std::vector<double> ms;
                                 for (double us : f.batch_latency_us) ms.push_back(us / 1000.0);
                                 return ms;
                               }());
      }
    if (!o.peers) continue;
    // The peers run on one thread: compare them with sito on one thread.
    if (sito_single_batch0 == 0)
      sito_single_batch0 = measure_sito(scanner, pool, 1, o.batch.front(), o.duration_s).posts_per_s;

    // ---- peers, same posts, same process, one thread ----------------------
    const size_t batch = std::min(o.batch.front(), pool.size());
    nlohmann::json peers = {{"topics", n}, {"batch", batch}, {"sito_posts_per_s", sito_single_batch0}};
    // sito's matches per batch, for agreement: (post index in pool, topic index in tenants.topics)
    std::unordered_map<std::string, uint32_t> topic_index;
    for (uint32_t i = 0; i < tenants.topics.size(); ++i)
      topic_index[tenants.topics[i].tenant + "\x1f" + tenants.topics[i].id] = i;
    auto sito_matches = [&](size_t begin, size_t count) {
      scan_output out;
      scanner.scan_serial(std::span<const post>(pool.data() + begin, count), out);
      std::set<std::pair<uint32_t, uint32_t>> s;
      for (auto& m : out.matches) {
        const auto& ct = (*snap)->topics[m.topic];
        s.insert({uint32_t(begin + m.post), topic_index[ct.tenant + "\x1f" + ct.id]});
      }
      return s;
    };

    // Token streams: built outside every timed loop (the peers get them free).
    text::analyzer an;
    std::vector<std::string> streams(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) append_token_stream(an, pool[i], streams[i]);
    std::vector<std::string> batch_streams;
    for (size_t b = 0; b + batch <= pool.size(); b += batch) {
      std::string s;
      for (size_t i = b; i < b + batch; ++i) s += streams[i];
      batch_streams.push_back(std::move(s));
    }

    // raw hs_scan
    try {
      hs_literal_scanner hs(query_words(tenants.topics));
      size_t posts = 0, hits = 0, which = 0;
      const auto t0 = clock_type::now();
      while (since(t0) < o.peer_seconds || posts == 0) {
        hits += hs.scan(batch_streams[which++ % batch_streams.size()]);
        posts += batch;
      }
      peers["raw_hs_posts_per_s"] = double(posts) / since(t0);
      peers["raw_hs_literals"] = hs.literals();
    } catch (const std::exception& e) {
      peers["raw_hs_error"] = e.what();
    }

    // RE2::Set
    {
      const auto b0 = clock_type::now();
      std::optional<re2_set_matcher> re2_holder;
      {
        quiet_stderr quiet;
        re2_holder.emplace(tenants.topics);
      }
      re2_set_matcher& re2 = *re2_holder;
      peers["re2_set_build_s"] = since(b0);
      if (re2.ok()) {
        std::vector<int> hits;
        size_t posts = 0, candidates = 0, covered = 0, sito_total = 0;
        const auto t0 = clock_type::now();
        size_t i = 0;
        while (since(t0) < o.peer_seconds || posts < 64) {
          re2.match(streams[i % streams.size()], hits);
          candidates += hits.size();
          ++posts;
          ++i;
        }
        const double el = since(t0);
        peers["re2_set_posts_per_s"] = double(posts) / el;
        // Agreement: RE2 finds topics with any of their words; how many of
        // sito's mentions are among those candidates (outside the timing).
        const size_t check = std::min<size_t>(posts, pool.size());
        auto sm = sito_matches(0, check);
        for (size_t k = 0; k < check; ++k) {
          re2.match(streams[k], hits);
          for (auto& [p, t] : sm)
            if (p == k) {
              ++sito_total;
              covered += std::binary_search(hits.begin(), hits.end(), int(t));
            }
        }
        peers["re2_set_candidates_per_post"] = double(candidates) / double(posts);
        peers["re2_set_sito_mentions_checked"] = sito_total;
        peers["re2_set_sito_mentions_among_candidates"] = covered;
      } else {
        peers["re2_set_error"] = "RE2::Set failed to compile within a 2 GiB budget";
      }
    }

    // Xapian percolator
    if (n <= o.xapian_max_topics) {
      const auto b0 = clock_type::now();
      xapian_percolator xp(tenants.topics);
      peers["xapian_translate_s"] = since(b0);
      std::vector<xapian_percolator::hit> hits;
      size_t posts = 0, both = 0, xap_total = 0, sito_total = 0;
      std::vector<std::pair<size_t, std::vector<xapian_percolator::hit>>> done;
      const auto t0 = clock_type::now();
      for (size_t b = 0; (since(t0) < o.peer_seconds || posts == 0) && b + batch <= pool.size(); b += batch) {
        xp.percolate(std::span<const post>(pool.data() + b, batch), hits);
        done.emplace_back(b, hits);
        posts += batch;
      }
      peers["xapian_posts_per_s"] = double(posts) / since(t0);
      for (auto& [b, hs] : done) {
        auto sm = sito_matches(b, batch);
        sito_total += sm.size();
        xap_total += hs.size();
        for (auto& h : hs) both += sm.count({uint32_t(b + h.post), h.topic});
        if (o.show_disagreements)  // sito's mentions that Xapian, whose relaxations only add, misses
          for (auto& [p, t] : sm) {
            if (std::binary_search(hs.begin(), hs.end(), xapian_percolator::hit{uint32_t(p - b), t})) continue;
            const auto& tp = tenants.topics[t];
            std::string channels;
            for (auto& c : tp.channels) channels += (channels.empty() ? "" : ",") + c;
            std::printf("   sito only: topic %s/%s query [%s] channels [%s]\n     post %s\n", tp.tenant.c_str(),
                        tp.id.c_str(), tp.query.c_str(), channels.c_str(), post_to_json(pool[p]).c_str());
          }
      }
      const auto& ts = xp.translation();
      peers["xapian_posts_checked"] = posts;
      peers["xapian_mentions"] = xap_total;
      peers["sito_mentions_same_posts"] = sito_total;
      peers["mentions_found_by_both"] = both;
      peers["xapian_topics_relaxed"] = ts.relaxed;
      peers["xapian_topics_unsupported"] = ts.unsupported;
    }
    auto ratio = [&](const char* k) -> nlohmann::json {
      if (!peers.contains(k)) return nullptr;
      return sito_single_batch0 / peers[k].get<double>();
    };
    peers["sito_vs_raw_hs"] = ratio("raw_hs_posts_per_s");
    peers["sito_vs_re2_set"] = ratio("re2_set_posts_per_s");
    peers["sito_vs_xapian"] = ratio("xapian_posts_per_s");
    peers["load_average"] = load_average();
    auto show = [&](const char* k) {
      return peers.contains(k) && peers[k].is_number() ? peers[k].get<double>() : -1.0;
    };
    auto fig = [&](const char* rate, const char* ratio) {
      char buf[96];
      if (show(rate) < 0) return std::string("n/a");
      std::snprintf(buf, sizeof buf, "%.0f (sito %.2gx)", show(rate), show(ratio));
      return std::string(buf);
    };
    std::printf("   peers @%zu topics, 1 thread, batch %zu, posts/s: sito %.0f | raw hs_scan %s | RE2::Set %s | Xapian %s\n",
                n, batch, sito_single_batch0, fig("raw_hs_posts_per_s", "sito_vs_raw_hs").c_str(),
                peers.contains("re2_set_error") ? "fails to compile"
                                                : fig("re2_set_posts_per_s", "sito_vs_re2_set").c_str(),
                fig("xapian_posts_per_s", "sito_vs_xapian").c_str());
    if (peers.contains("xapian_mentions"))
      std::printf("   agreement on %zu posts: sito %zu mentions, Xapian %zu, both %zu (Xapian topics relaxed %zu, unsupported %zu)\n",
                  size_t(show("xapian_posts_checked")), size_t(show("sito_mentions_same_posts")),
                  size_t(show("xapian_mentions")), size_t(show("mentions_found_by_both")),
                  size_t(show("xapian_topics_relaxed")), size_t(show("xapian_topics_unsupported")));
    if (peers.contains("re2_set_sito_mentions_checked"))
      std::printf("   RE2::Set: %.1f candidate topics per post; %zu of sito's %zu mentions are among them\n",
                  show("re2_set_candidates_per_post"), size_t(show("re2_set_sito_mentions_among_candidates")),
                  size_t(show("re2_set_sito_mentions_checked")));
    r.add("peers", std::move(peers));
  }
}

}  // namespace sito::bench
