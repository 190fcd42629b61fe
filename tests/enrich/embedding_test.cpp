// The embedding lane's CPU side (sito/enrich/embedding.hpp): the prepared
// format, the hashing embedding against a reference that enumerates its
// features as strings, segments, the max-over-segments score, MinHash
// through the backend, and the registry.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sito/base/utf8.hpp"
#include "sito/dedup/shingles.hpp"
#include "sito/enrich/embedding.hpp"

namespace sito::enrich {
namespace {

namespace em = embedding_math;

std::vector<uint32_t> cps_of(std::string_view s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  char32_t cp = 0;
  while (i < s.size() && utf8::decode(s, i, cp)) out.push_back(static_cast<uint32_t>(cp));
  return out;
}

/// The reference: features listed as (code points, kind) strings, counted in
/// a map, hashed only at the end.
std::vector<float> reference_embedding(const std::vector<std::string>& words) {
  std::map<std::pair<std::vector<uint32_t>, uint32_t>, int> features;
  for (const auto& w : words) {
    std::vector<uint32_t> b{'<'};
    for (uint32_t c : cps_of(w)) b.push_back(c);
    b.push_back('>');
    features[{b, 1}] += em::word_weight;
    for (size_t s = 0; s < b.size(); ++s)
      for (size_t len = em::ngram_min; len <= em::ngram_max && s + len <= b.size(); ++len)
        features[{std::vector<uint32_t>(b.begin() + s, b.begin() + s + len), 0}] += 1;
  }
  std::vector<long long> counts(em::dim, 0);
  for (const auto& [f, w] : features) {
    const uint32_t h = em::feature_hash(f.first.data(), static_cast<int>(f.first.size()), f.second);
    counts[h % em::dim] += (h >> 31 ? -1 : 1) * w;
  }
  long long ss = 0;
  for (long long c : counts) ss += c * c;
  std::vector<float> v(em::dim, 0.0f);
  if (ss)
    for (int d = 0; d < em::dim; ++d) v[d] = static_cast<float>(counts[d] / std::sqrt(static_cast<double>(ss)));
  return v;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

std::vector<float> embed_phrase(std::string_view text) {
  text_preparer prep;
  prepared_batch b;
  EXPECT_TRUE(prep.add_phrase(text, b).ok());
  std::vector<float> out;
  EXPECT_TRUE(make_cpu_embedding_backend()->embed(b, out).ok());
  return out;
}

TEST(EmbeddingMath, FeatureHashIsStableAcrossBuilds) {
  // Pinned values: a change here changes every stored decision.
  const uint32_t abc[] = {'a', 'b', 'c'};
  EXPECT_EQ(em::feature_hash(abc, 3, 0), 0x266ee8d9u);
  EXPECT_EQ(em::feature_hash(abc, 3, 1), 0x3160eda6u);  // the whole-word feature differs from the n-gram
  EXPECT_EQ(em::feature_hash(abc, 2, 0), 0x8df915ebu);
  EXPECT_EQ(em::fmix32(0), 0u);
  EXPECT_EQ(em::fmix32(1), 0x514e28b7u);  // murmur3 fmix32(1)
}

TEST(Embedding, EqualsTheFeatureListReference) {
  for (auto words : {std::vector<std::string>{"курьер", "опоздал", "на", "два", "часа"},
                     std::vector<std::string>{"iphone", "15", "розыгрыш"}, std::vector<std::string>{"я"},
                     std::vector<std::string>{"ааааааааааааааааааааа", "ааааааааааааааааааааа"}}) {
    std::string text;
    for (const auto& w : words) text += w + " ";
    EXPECT_EQ(embed_phrase(text), reference_embedding(words)) << text;
  }
}

TEST(Embedding, TheCpuBackendsPathGivesTheReferencesBits) {
  // embed_segment_fast (the CPU backend's) against reference::embed_segment,
  // bit for bit, on random segments: words of 1 to 14 code points (brackets
  // and separators among them, any code point), empty words, empty segments.
  std::mt19937 rng(1201);
  std::vector<float> fast(embedding_dim), ref(embedding_dim);
  size_t nonzero = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint32_t> seg;
    const int words = static_cast<int>(rng() % 12);
    for (int w = 0; w < words; ++w) {
      const int len = static_cast<int>(rng() % 15);
      for (int k = 0; k < len; ++k) {
        const uint32_t r = rng() % 10;
        seg.push_back(r == 0 ? em::word_open : r == 1 ? em::word_close : r < 6 ? 0x430 + rng() % 32 : 1 + rng() % 0x10FFFF);
      }
      if (rng() % 8) seg.push_back(em::word_separator);
    }
    embed_segment_fast(seg, fast.data());
    reference::embed_segment(seg, ref.data());
    ASSERT_EQ(std::memcmp(fast.data(), ref.data(), embedding_dim * sizeof(float)), 0) << "round " << round;
    for (float v : ref) nonzero += v != 0;
  }
  EXPECT_GT(nonzero, 100000u);
}

TEST(Embedding, UnitNormAndZeroForNoWords) {
  auto v = embed_phrase("Заказ привезли с опозданием");
  EXPECT_NEAR(cosine(v, v), 1.0, 1e-6);
  auto z = embed_phrase("🔥🔥 https://example.com/x");
  for (float x : z) EXPECT_EQ(x, 0.0f);
}

TEST(Embedding, CaseYoAndOrderDoNotMatterInflectionsAreClose) {
  EXPECT_EQ(embed_phrase("ЁЖИК Курьер"), embed_phrase("курьер ежик"));
  const auto late = embed_phrase("курьер опоздал");
  EXPECT_GT(cosine(late, embed_phrase("курьеры опоздали")), 0.5);
  EXPECT_LT(cosine(late, embed_phrase("отличное качество ткани")), 0.2);
  EXPECT_GT(cosine(late, embed_phrase("курьеры опоздали")), cosine(late, embed_phrase("курьер вежливый")));
}

TEST(TextPreparer, CutsSentencesMergesShortOnesAndCapsLongOnes) {
  text_preparer prep;
  auto s = prep.segments_of("Курьер опоздал на два часа. Ужас! Больше никогда не закажу здесь ничего\nСпасибо");
  ASSERT_TRUE(s.ok());
  // "Ужас" (1 word) joins the next sentence; "Спасибо" at the end joins the last.
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0], "курьер опоздал на два часа");
  EXPECT_EQ((*s)[1], "ужас больше никогда не закажу здесь ничего спасибо");

  segment_options o;
  o.max_segment_words = 5;
  o.max_segments_per_post = 3;
  text_preparer capped(o);
  std::string many;
  for (int i = 0; i < 30; ++i) many += "слово" + std::to_string(i) + " ";
  auto c = capped.segments_of(many);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0], "слово0 слово1 слово2 слово3 слово4");
  EXPECT_TRUE((*c)[2].ends_with("слово29"));  // the rest joins the last segment

  EXPECT_TRUE(prep.segments_of("🔥 http://a.b/c")->empty());
  prepared_batch b;
  EXPECT_FALSE(prep.add_post("bad \xFF utf-8", b).ok());
  EXPECT_EQ(b.texts(), 0u);
  EXPECT_EQ(b.codepoints.size(), 0u);
}

TEST(TextPreparer, LinksDoNotEndSentences) {
  text_preparer prep;
  auto s = prep.segments_of("смотрите тут www.example.com/a.b.c отличный обзор новой модели");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0], "смотрите тут отличный обзор новой модели");
}

TEST(EmbeddingBackend, ScoreIsTheBestSegmentsCosine) {
  text_preparer prep;
  prepared_batch posts, examples;
  const std::vector<std::string> texts = {
      "Заказала платье, качество отличное. Но курьер опоздал на два часа и даже не позвонил",
      "🔥🔥🔥", "Отличный магазин, всё пришло вовремя и в целости"};
  for (const auto& t : texts) ASSERT_TRUE(prep.add_post(t, posts).ok());
  for (auto e : {"курьер опоздал", "всё пришло вовремя", "качество ткани плохое"}) ASSERT_TRUE(prep.add_phrase(e, examples).ok());
  auto cpu = make_cpu_embedding_backend();
  auto ex = make_example_matrix(*cpu, examples);
  ASSERT_TRUE(ex.ok());
  std::vector<float> scores;
  ASSERT_TRUE(cpu->score(posts, **ex, scores).ok());
  ASSERT_EQ(scores.size(), 9u);
  // Brute force: every segment of every post against every example, in double.
  std::vector<float> seg;
  ASSERT_TRUE(cpu->embed(posts, seg).ok());
  for (size_t t = 0; t < posts.texts(); ++t)
    for (size_t e = 0; e < 3; ++e) {
      double best = posts.text_begin[t] == posts.text_begin[t + 1] ? 0.0 : -2.0;
      for (uint32_t s = posts.text_begin[t]; s < posts.text_begin[t + 1]; ++s) {
        double d = 0;
        for (size_t i = 0; i < embedding_dim; ++i)
          d += static_cast<double>(seg[s * embedding_dim + i]) * (*ex)->vectors()[e * embedding_dim + i];
        best = std::max(best, d);
      }
      EXPECT_NEAR(scores[t * 3 + e], best, 1e-5) << t << "," << e;
    }
  EXPECT_GT(scores[0], 0.5);          // post 0's second sentence says it
  EXPECT_EQ(scores[3], 0.0f);         // the emoji post has no segment
  EXPECT_GT(scores[7], scores[6]);    // post 2 is about arriving in time
}

TEST(EmbeddingBackend, MinhashEqualsTheDetectorsSignatures) {
  dedup::shingler sh;
  std::vector<uint64_t> all;
  std::vector<uint32_t> offsets{0};
  std::vector<dedup::minhash_signature> expect;
  for (auto t : {"Розыгрыш iPhone 15! Сделай репост и подпишись", "", "одно", "Курьер опоздал на два часа"}) {
    std::vector<uint64_t> b;
    ASSERT_TRUE(sh.shingle(t, b).ok());
    all.insert(all.end(), b.begin(), b.end());
    offsets.push_back(static_cast<uint32_t>(all.size()));
    dedup::minhash_signature s;
    dedup::compute_minhash(b, s);
    expect.push_back(s);
  }
  std::vector<dedup::minhash_signature> got(expect.size());
  ASSERT_TRUE(make_cpu_embedding_backend()->minhash(all, offsets, got).ok());
  EXPECT_EQ(got, expect);
  std::vector<uint32_t> bad{0, 5, 2};
  std::vector<dedup::minhash_signature> two(2);
  EXPECT_FALSE(make_cpu_embedding_backend()->minhash(all, bad, two).ok());
}

TEST(EmbeddingBackend, RejectsInconsistentBatches) {
  prepared_batch b;
  b.codepoints = {'<', 'a', '>'};  // no segment covers them
  std::vector<float> out;
  EXPECT_FALSE(make_cpu_embedding_backend()->embed(b, out).ok());
  b.segment_begin = {0, 3, 1, 3};  // covers them, but a segment would end before it begins
  b.text_begin = {0, 3};
  EXPECT_FALSE(validate_batch(b).ok());
  EXPECT_FALSE(make_cpu_embedding_backend()->embed(b, out).ok());
  std::vector<float> segs(2 * embedding_dim);
  EXPECT_FALSE(validate_segment_vectors(segs, std::vector<uint32_t>{0, 2, 1, 2}, embedding_dim).ok());
  EXPECT_TRUE(validate_segment_vectors(segs, std::vector<uint32_t>{0, 1, 2}, embedding_dim).ok());
  auto cpu = make_cpu_embedding_backend();
  EXPECT_FALSE(cpu->upload_examples(std::vector<float>(10), 1).ok());
}

TEST(EmbeddingRegistry, CpuAlwaysAutoFallsBackUnknownIsNotFound) {
  auto cpu = make_embedding_backend("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ((*cpu)->name(), "cpu");
  EXPECT_EQ(embedding_backend_names().front(), "cpu");
  auto nope = make_embedding_backend("tpu");
  ASSERT_FALSE(nope.ok());
  EXPECT_EQ(nope.error().code(), status_code::not_found);
  register_embedding_backend("broken", 10, []() -> result<std::unique_ptr<embedding_backend>> {
    return unavailable("no device");
  });
  std::string why;
  auto a = make_embedding_backend("auto", &why);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->name(), "cpu");
  EXPECT_NE(why.find("broken: no device"), std::string::npos) << why;
}

}  // namespace
}  // namespace sito::enrich
