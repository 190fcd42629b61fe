// Engine throughput against its practical limit and a peer, in one run:
//   BM_Engine        sito batch_scanner::scan_serial (one core)
//   BM_RawHyperscan  hs_scan of the same token-stream bytes with the same
//                    word literal set (no morphology, no evaluation)
//   BM_Re2Set        RE2::Set, one alternation per topic, over the UTF-8 text
// Args: number of topics; for BM_Engine also the analyst features on top of
// the topic queries: 0 none (sentiment model off), 1 three auto-tags per topic,
// 2 tags + three rules per topic, 3 tags + rules + the built-in sentiment model
// (what sitod runs). Counters: posts/s (items_per_second), MB/s.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <set>

#include <absl/container/flat_hash_set.h>

#include "sito/compile/compiler.hpp"
#include "sito/query/parser.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "peers/literal_peers.hpp"
#include "sito/text/fold.hpp"
#include "support/firehose_generator.hpp"
#include "support/workload.hpp"

namespace {

using namespace sito;

constexpr size_t batch_size = 1024;

struct corpus {
  std::vector<post> posts;
  std::vector<std::string> vocab;
  size_t bytes = 0;
  static const corpus& get() {
    static corpus c = [] {
      corpus k;
      k.posts = bench::fortune_posts();
      k.vocab = bench::vocabulary(k.posts);
      for (auto& p : k.posts) k.bytes += p.text.size();
      return k;
    }();
    return c;
  }
};

struct workload {
  std::vector<topic_spec> topics;
  std::shared_ptr<const ruleset_snapshot> snap;
  std::vector<std::string> words;  // every plain word of the queries, normalized
};

/// `features`: 0 topic queries only, 1 + tags, 2 + rules, 3 + sentiment model.
const workload& get_workload(size_t topics, int features = 0) {
  static std::map<std::pair<size_t, int>, std::unique_ptr<workload>> cache;
  auto& slot = cache[{topics, features}];
  if (!slot) {
    slot = std::make_unique<workload>();
    slot->topics = bench::make_topics(topics, corpus::get().vocab, 42);
    if (features >= 1) {
      // Three tags per topic, shaped like the sample tenant's tree: a term
      // list, a NEAR and a metadata filter.
      const auto& v = corpus::get().vocab;
      for (size_t i = 0; i < slot->topics.size(); ++i)
        slot->topics[i].tags = {{"Субъект/A", v[(i * 7) % 2000] + " OR " + v[(i * 11) % 2000]},
                                {"Тачпоинт/B", v[(i * 13) % 2000] + " NEAR/5 " + v[(i * 17) % 2000]},
                                {"Источник/Отзывы", "type:review"}};
    }
    if (features >= 2) {
      // Three rules per topic, shaped like the sample tenant's.
      const auto& v = corpus::get().vocab;
      for (size_t i = 0; i < slot->topics.size(); ++i)
        slot->topics[i].rules = {{"ours", "is:own", {{}, "", std::nullopt, true}},
                                 {"escalate", "sentiment:negative AND type:review", {{"Эскалация"}, "", 85.0}},
                                 {"risk", v[(i * 19) % 2000], {{"Риск"}, "negative"}}};
    }
    compile_options options;
    options.sentiment_model = features >= 3;
    auto snap = compile_topics(slot->topics, options);
    if (!snap.ok()) std::abort();
    slot->snap = *snap;
    slot->words = bench::query_words(slot->topics);
  }
  return *slot;
}

/// One pass over the whole corpus, batch by batch. Out of line so that
/// callgrind can count exactly this pass (the same posts at every argument):
///   valgrind --tool=callgrind --toggle-collect='*measured_corpus_pass*' build/bench/engine_bench ...
[[gnu::noinline]] void measured_corpus_pass(const batch_scanner& scanner, const std::vector<post>& posts,
                                            scan_output& out) {
  for (size_t b = 0; b + batch_size <= posts.size(); b += batch_size)
    scanner.scan_serial(std::span<const post>(posts.data() + b, batch_size), out);
}

void BM_Engine(benchmark::State& state) {
  const auto& c = corpus::get();
  const auto& w = get_workload(static_cast<size_t>(state.range(0)), static_cast<int>(state.range(1)));
  batch_scanner scanner(w.snap);
  scan_output out;
  // Steady state, as in a long-running sitod: every distinct token of the
  // corpus has been stemmed and cached once before the clock starts.
  for (size_t b = 0; b + batch_size <= c.posts.size(); b += batch_size)
    scanner.scan_serial(std::span<const post>(c.posts.data() + b, batch_size), out);
  measured_corpus_pass(scanner, c.posts, out);
  size_t offset = 0, posts = 0, bytes = 0, matches = 0, evaluated = 0;
  for (auto _ : state) {
    if (offset + batch_size > c.posts.size()) offset = 0;
    std::span<const post> batch(c.posts.data() + offset, batch_size);
    scanner.scan_serial(batch, out);
    matches += out.matches.size();
    evaluated += out.topics_evaluated;
    for (auto& p : batch) bytes += p.text.size();
    posts += batch_size;
    offset += batch_size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(posts));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["matches_per_post"] = double(matches) / double(posts ? posts : 1);
  state.counters["evaluated_per_post"] = double(evaluated) / double(posts ? posts : 1);
  state.counters["atoms"] = double(w.snap->atoms.size());
}

/// The token stream the engine builds ("\x01tok\x01tok\x01"), per batch.
std::vector<std::string> token_stream_batches() {
  const auto& c = corpus::get();
  std::vector<std::string> batches;
  text::analyzer a;
  for (size_t b = 0; b + batch_size <= c.posts.size(); b += batch_size) {
    std::string s;
    for (size_t i = b; i < b + batch_size; ++i) bench::append_token_stream(a, c.posts[i], s);
    batches.push_back(std::move(s));
  }
  return batches;
}

void BM_RawHyperscan(benchmark::State& state) {
  const auto& w = get_workload(static_cast<size_t>(state.range(0)));
  static const std::vector<std::string> batches = token_stream_batches();
  std::unique_ptr<bench::hs_literal_scanner> hs;
  try {
    hs = std::make_unique<bench::hs_literal_scanner>(w.words);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  size_t which = 0, posts = 0, bytes = 0, matches = 0;
  for (auto _ : state) {
    const std::string& s = batches[which++ % batches.size()];
    matches += hs->scan(s);
    posts += batch_size;
    bytes += s.size();
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(static_cast<int64_t>(posts));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["literals"] = double(hs->literals());
}

/// The term-index alternative on the same tokens and the same literal set:
/// one hash lookup per token (what the engine does on a token-cache hit).
void BM_TermIndex(benchmark::State& state) {
  const auto& w = get_workload(static_cast<size_t>(state.range(0)));
  static const std::vector<std::string> batches = token_stream_batches();
  absl::flat_hash_set<std::string, string_hash, string_eq> index;
  for (auto& word : w.words) index.insert(text::fold(word));
  // Token keys of each batch, split out of the stream outside the timed loop.
  std::vector<std::vector<std::string_view>> keys(batches.size());
  for (size_t b = 0; b < batches.size(); ++b) {
    std::string_view s = batches[b];
    size_t start = 1;
    for (size_t i = 1; i < s.size(); ++i)
      if (s[i] == '\x01') {
        if (i > start) keys[b].push_back(s.substr(start, i - start));
        start = i + 1;
      }
  }
  size_t which = 0, posts = 0, bytes = 0, found = 0;
  for (auto _ : state) {
    const size_t b = which++ % batches.size();
    for (std::string_view k : keys[b]) found += index.contains(k);
    posts += batch_size;
    bytes += batches[b].size();
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<int64_t>(posts));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["literals"] = double(index.size());
}

/// Per-post token streams ("\x01tok\x01tok\x01"), the bytes RE2 scans.
const std::vector<std::string>& post_token_streams() {
  static const std::vector<std::string> streams = [] {
    std::vector<std::string> out;
    text::analyzer a;
    for (const auto& p : corpus::get().posts) {
      std::string s;
      bench::append_token_stream(a, p, s);
      out.push_back(std::move(s));
    }
    return out;
  }();
  return streams;
}

/// RE2::Set, one alternation of whole-token literals per topic, over the
/// same folded token bytes (Latin-1 mode), one Match per post.
void BM_Re2Set(benchmark::State& state) {
  const auto& w = get_workload(static_cast<size_t>(state.range(0)));
  const auto& streams = post_token_streams();
  bench::re2_set_matcher set(w.topics);
  if (!set.ok()) {
    state.SkipWithError("RE2::Set failed to compile (memory budget)");
    return;
  }
  std::vector<int> hits;
  size_t offset = 0, posts = 0, bytes = 0;
  for (auto _ : state) {
    if (offset + batch_size > streams.size()) offset = 0;
    for (size_t i = offset; i < offset + batch_size; ++i) {
      set.match(streams[i], hits);
      bytes += streams[i].size();
    }
    posts += batch_size;
    offset += batch_size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(posts));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

/// Runs analyzer implementation `state.range(0)` (text::all_analyzer_implementations,
/// so that they run side by side in one process) over `posts`, one post per
/// item: its text, or all of its fields.
void analyze_posts(benchmark::State& state, const std::vector<post>& posts, bool all_fields) {
  const text::analyzer_implementation impl = text::all_analyzer_implementations[state.range(0)];
  state.SetLabel(text::to_string(impl));
  if (!text::supported_by_runtime_system(impl)) {
    state.SkipWithError("not supported by this CPU");
    return;
  }
  text::analyzer a(impl);
  text::analyzed_text t;
  size_t i = 0, bytes = 0, items = 0;
  for (auto _ : state) {
    const post& p = posts[i++ % posts.size()];
    for (const std::string* f : {&p.text, &p.title, &p.image_text}) {
      if (!all_fields && f != &p.text) continue;
      benchmark::DoNotOptimize(a.analyze(*f, t));
      bytes += f->size();
    }
    ++items;
  }
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

/// The text pipeline alone: UTF-8 decode, NFKC, lower case, fold, tokenize,
/// over the fortunes-ru posts' text.
void BM_Analyze(benchmark::State& state) { analyze_posts(state, corpus::get().posts, false); }
BENCHMARK(BM_Analyze)->DenseRange(0, std::size(text::all_analyzer_implementations) - 1);

/// The same over sito-bench's generated firehose (what `sito-bench engine`
/// scans: hashtags, @mentions, emoji, links, English and Kazakh posts), all
/// fields of a post per item; as many posts as its pool, so that their text
/// is not all in cache.
void BM_AnalyzeFirehose(benchmark::State& state) {
  static const std::vector<post> posts = bench::firehose_generator({.seed = 42}).take(16384);
  analyze_posts(state, posts, true);
}

BENCHMARK(BM_AnalyzeFirehose)->DenseRange(0, std::size(text::all_analyzer_implementations) - 1);
// Second argument: 1 = every topic also carries three auto-tags.
BENCHMARK(BM_Engine)->Args({1000, 0})->Args({1000, 1})->Args({1000, 2})->Args({1000, 3})
    ->Args({10000, 0})->Args({10000, 3})->Args({100000, 0})->Args({100000, 3})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RawHyperscan)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TermIndex)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Re2Set)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
