// Micro benchmarks of the pipeline's parts (Google Benchmark), one concept each:
//   BM_Normalize            text::normalize (NFKC, lower case, ё→е) of a post text
//   BM_Stem                 Snowball stem of one word, uncached
//   BM_DictionaryLookup     hunspell-ru: entries of one word form
//   BM_MorphExpansion       a plain term's forms and stems (compile-time cost per term)
//   BM_ProgramEvaluation    scan of one post against N topics that all become
//                           candidates (/N/1) or none does (/N/0): the
//                           difference over N is the cost of evaluating one
//                           topic's program and emitting its mention
//   BM_WirePublishEncode    a PublishBatch of 100 posts built with FlatBuffers
//   BM_WirePublishDecode    the same buffer verified and turned back into posts
//   BM_StoredPostEncode/Decode, BM_StoredMentionEncode/Decode: the store records
//   BM_StoreAppend/D        store::append_posts of 1000 new posts, WAL not
//                           synced (CPU only), with the idempotent-ingest
//                           check (D=1) or without it (D=0)
//   BM_RollupBatch/T        rollup_batch::add of 1000 mentions (two tags each) of
//                           generated posts over T topics: the matcher's cost
//                           per mention (at 10 000 topics most cells are new)
//   BM_PeriodQueryYear/U    query_periods over a year of hourly rollups of one
//                           topic (about 720 mentions a day by 5 000 recurring
//                           authors, NPS tags, share of voice), by day (U=1) or
//                           by week (U=2) or by month (U=3)
// Normalization as part of the whole text pipeline and the Hyperscan scan are
// in engine_bench (BM_Analyze, BM_RawHyperscan).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "sito/compile/compiler.hpp"
#include "sito/morph/morphology.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/server/period_stats.hpp"
#include "sito/server/rollups.hpp"
#include "sito/server/store.hpp"
#include "sito/server/wire_convert.hpp"
#include "sito/text/analyzed_text.hpp"
#include "support/firehose_generator.hpp"
#include "support/tenant_generator.hpp"

namespace {

using namespace sito;

const std::vector<post>& posts() {
  static const std::vector<post> p = bench::firehose_generator({.seed = 1}, {"flowwow", "фловвов"}).take(4096);
  return p;
}

/// Words of the corpus, frequent first (what a term index sees most).
const std::vector<std::string>& words() {
  static const std::vector<std::string> w = [] {
    auto v = bench::corpus_vocabulary();
    v.resize(std::min<size_t>(v.size(), 20000));
    return v;
  }();
  return w;
}

void BM_Normalize(benchmark::State& state) {
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const post& p = posts()[i++ % posts().size()];
    benchmark::DoNotOptimize(text::normalize(p.text));
    bytes += p.text.size();
  }
  state.SetItemsProcessed(int64_t(i));
  state.SetBytesProcessed(int64_t(bytes));
}

void BM_Stem(benchmark::State& state) {
  morph::stemmer stem;
  std::string out;
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(stem.stem(words()[i++ % words().size()], out));
  state.SetItemsProcessed(int64_t(i));
}

void BM_DictionaryLookup(benchmark::State& state) {
  auto dict = morph::dictionary::default_russian();
  if (!dict) {
    state.SkipWithError("hunspell-ru not installed");
    return;
  }
  size_t i = 0, found = 0;
  for (auto _ : state) found += dict->entries_of(words()[i++ % words().size()]).size();
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(int64_t(i));
  state.counters["entries_per_word"] = double(found) / double(i ? i : 1);
}

void BM_MorphExpansion(benchmark::State& state) {
  auto m = morph::morphology::default_instance();
  morph::stemmer stem;
  size_t i = 0, forms = 0;
  for (auto _ : state) forms += m->expansion(words()[i++ % words().size()], stem).exact_forms.size();
  state.SetItemsProcessed(int64_t(i));
  state.counters["forms_per_term"] = double(forms) / double(i ? i : 1);
}

void BM_ProgramEvaluation(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  const bool hit = state.range(1) != 0;
  // Every topic: two positive clauses and an exclusion. With hit = 1 all
  // their words are in the post, so every topic is a candidate and matches.
  std::vector<topic_spec> topics;
  for (size_t i = 0; i < n; ++i) {
    topic_spec t;
    t.tenant = "t";
    t.id = "x" + std::to_string(i);
    const std::string k = std::to_string(i % 97);
    t.query = hit ? "(курьер OR доставка" + k + ") AND (букет NEAR/5 роз) -вакансия" + k
                  : "(курьер" + k + " OR доставка" + k + ") AND (букет" + k + " NEAR/5 роз) -вакансия";
    topics.push_back(std::move(t));
  }
  auto snap = compile_topics(topics);
  if (!snap.ok()) {
    state.SkipWithError("compile failed");
    return;
  }
  batch_scanner scanner(*snap);
  std::vector<post> batch(64);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].id = std::to_string(i);
    batch[i].text = "Курьер привёз букет роз вовремя, доставка отличная, спасибо магазину";
  }
  scan_output out;
  size_t posts_done = 0, evaluated = 0;
  for (auto _ : state) {
    scanner.scan_serial(batch, out);
    posts_done += batch.size();
    evaluated += out.topics_evaluated;
  }
  state.SetItemsProcessed(int64_t(posts_done));
  state.counters["evaluated_per_post"] = double(evaluated) / double(posts_done ? posts_done : 1);
}

void BM_WirePublishEncode(benchmark::State& state) {
  size_t i = 0, bytes = 0, n = 0;
  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<sito::wire::Post>> offs;
  for (auto _ : state) {
    b.Clear();
    offs.clear();
    for (int k = 0; k < 100; ++k) offs.push_back(protocol::post_to_wire(b, posts()[i++ % posts().size()]));
    b.Finish(sito::wire::CreatePublishBatch(b, b.CreateVector(offs)));
    bytes += b.GetSize();
    n += 100;
  }
  state.SetItemsProcessed(int64_t(n));
  state.SetBytesProcessed(int64_t(bytes));
}

void BM_WirePublishDecode(benchmark::State& state) {
  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<sito::wire::Post>> offs;
  for (int k = 0; k < 100; ++k) offs.push_back(protocol::post_to_wire(b, posts()[size_t(k)]));
  b.Finish(sito::wire::CreatePublishBatch(b, b.CreateVector(offs)));
  size_t n = 0, bytes = 0;
  for (auto _ : state) {
    flatbuffers::Verifier v(b.GetBufferPointer(), b.GetSize());
    if (!v.VerifyBuffer<sito::wire::PublishBatch>(nullptr)) {
      state.SkipWithError("verifier rejected the batch");
      return;
    }
    auto* batch = flatbuffers::GetRoot<sito::wire::PublishBatch>(b.GetBufferPointer());
    for (auto* p : *batch->posts()) benchmark::DoNotOptimize(protocol::post_from_wire(*p));
    n += 100;
    bytes += b.GetSize();
  }
  state.SetItemsProcessed(int64_t(n));
  state.SetBytesProcessed(int64_t(bytes));
}

void BM_StoreAppend(benchmark::State& state) {
  const std::string dir = "/tmp/sito-bench-store-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  server::store_options o{.path = dir, .sync_writes = false};
  if (state.range(0) == 0) o.dedup_window_ms = 0;
  auto db = server::store::open(o);
  if (!db.ok()) {
    state.SkipWithError(db.error().message().c_str());
    return;
  }
  std::vector<post> batch(posts().begin(), posts().begin() + 1000);
  uint64_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t k = 0; k < batch.size(); ++k) batch[k].id = std::to_string(round) + "-" + std::to_string(k);
    ++round;
    state.ResumeTiming();
    auto r = (*db)->append_posts(batch, static_cast<int64_t>(round), "acme");
    if (!r.ok() || r->stored != batch.size()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  db->reset();
  std::filesystem::remove_all(dir);
}

void BM_StoredPostEncode(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(server::encode_stored_post(posts()[i % posts().size()], i, 1, "t"));
    ++i;
  }
  state.SetItemsProcessed(int64_t(i));
}

void BM_StoredPostDecode(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> bufs;
  for (size_t k = 0; k < 256; ++k) bufs.push_back(server::encode_stored_post(posts()[k], k, 1, "t"));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(server::decode_stored_post(bufs[i++ % bufs.size()]));
  state.SetItemsProcessed(int64_t(i));
}

server::mention_record sample_mention() {
  server::mention_record m;
  m.offset = 77;
  m.tenant = "tenant1";
  m.topic = "topic42";
  m.post_offset = 12345;
  m.ingested_at_ms = 1'700'000'000'000;
  m.matched_at_ms = 1'700'000'000'004;
  m.snapshot_version = 3;
  m.highlights = {{"text", 10, 17, "flowwow"}, {"text", 40, 52, "доставка"}};
  m.tags = {"Субъект/Клиент", "Тачпоинт/Доставка"};
  return m;
}

void BM_StoredMentionEncode(benchmark::State& state) {
  const auto m = sample_mention();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(server::encode_stored_mention(m));
    ++i;
  }
  state.SetItemsProcessed(int64_t(i));
}

void BM_StoredMentionDecode(benchmark::State& state) {
  const auto buf = server::encode_stored_mention(sample_mention());
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(server::decode_stored_mention(buf));
    ++i;
  }
  state.SetItemsProcessed(int64_t(i));
}

void BM_RollupBatch(benchmark::State& state) {
  std::vector<server::mention_record> ms(1000);
  for (size_t i = 0; i < ms.size(); ++i) {
    ms[i].tenant = "tenant1";
    ms[i].topic = "topic" + std::to_string((i * 7919) % static_cast<size_t>(state.range(0)));
    ms[i].tags = {"Тачпоинт/Доставка", i % 3 ? "NPS/Промоутер" : "NPS/Критик"};
    ms[i].sentiment = static_cast<uint8_t>(i % 3);
  }
  server::rollup_batch rb;
  for (auto _ : state) {
    rb.clear();  // as the matcher does after each write
    for (size_t i = 0; i < ms.size(); ++i) rb.add(ms[i], posts()[i % posts().size()], 1'700'000'000'000);
    benchmark::DoNotOptimize(rb.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ms.size()));
}

void BM_PeriodQueryYear(benchmark::State& state) {
  const std::string dir = "/tmp/sito-bench-rollups-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  server::store_options o{.path = dir, .sync_writes = false};
  o.rollup_retention_ms = 0;
  const int64_t year_start_h = 1'767'225'600 / 3600;  // 2026-01-01T00:00:00Z
  {
    auto db = server::store::open(o);
    if (!db.ok()) {
      state.SkipWithError(db.error().message().c_str());
      return;
    }
    std::mt19937_64 rng(5);
    post p = posts()[0];
    for (int day = 0; day < 365; ++day) {
      server::rollup_batch rb;
      for (int h = 0; h < 24; ++h)
        for (int k = 0; k < 30; ++k) {
          server::mention_record m;
          m.tenant = "acme";
          m.topic = k % 4 ? "brand" : "rival";
          m.sentiment = static_cast<uint8_t>(rng() % 3);
          const int tag = static_cast<int>(rng() % 6);
          if (tag < 3) m.tags = {tag == 0 ? "NPS/Промоутер" : tag == 1 ? "NPS/Пассив" : "NPS/Критик"};
          p.author.id = "u" + std::to_string(static_cast<uint64_t>(std::pow(double(rng() % 1000000) / 1e6 + 1e-6, -0.8)) % 5000);
          p.author.followers = static_cast<int64_t>(rng() % 20000);
          p.published_at = (year_start_h + day * 24 + h) * 3600 + k;
          rb.add(m, p, p.published_at * 1000);
        }
      if (!(*db)->append_mentions({}, &rb).ok()) {
        state.SkipWithError("append failed");
        return;
      }
    }
  }
  auto db = server::store::open(o);  // reopened: the cells are on disk
  server::period_query q;
  q.tenant = "acme";
  q.topic = "brand";
  q.time_zone = "Europe/Moscow";
  q.by = static_cast<server::period_unit>(state.range(0));
  q.nps = server::nps_tags_of({"NPS/Промоутер", "NPS/Пассив", "NPS/Критик"});
  q.from_ms = *server::parse_time("2026-01-01", q.time_zone, 0);
  q.to_ms = *server::parse_time("2027-01-01", q.time_zone, 0);
  size_t rows = 0;
  for (auto _ : state) {
    auto r = server::query_periods(**db, q);
    if (!r.ok()) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
    rows = r->size();
  }
  state.counters["buckets"] = static_cast<double>(rows);
  db->reset();
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_Normalize);
BENCHMARK(BM_Stem);
BENCHMARK(BM_DictionaryLookup);
BENCHMARK(BM_MorphExpansion);
BENCHMARK(BM_ProgramEvaluation)->Args({1000, 0})->Args({1000, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WirePublishEncode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WirePublishDecode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StoreAppend)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RollupBatch)->Arg(50)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PeriodQueryYear)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StoredPostEncode);
BENCHMARK(BM_StoredPostDecode);
BENCHMARK(BM_StoredMentionEncode);
BENCHMARK(BM_StoredMentionDecode);

}  // namespace

BENCHMARK_MAIN();
