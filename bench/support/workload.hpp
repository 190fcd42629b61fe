// File: bench/support/workload.hpp
//
// Deterministic workloads for benchmarks: posts from fortunes-ru and topic
// sets shaped like real monitoring tenants (brand spellings in Latin and
// Cyrillic, OR-lists of product and service words, NEAR, phrases,
// wildcards, exclusions, some channel and filter topics).
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/text/analyzed_text.hpp"
#include "support/corpus.hpp"

namespace sito::bench {

inline std::vector<post> fortune_posts(size_t limit = SIZE_MAX) {
  std::vector<post> posts;
  auto texts = testing::russian_fortunes();
  for (size_t i = 0; i < texts.size() && posts.size() < limit; ++i) {
    post p;
    p.id = "ru" + std::to_string(i);
    p.source = i % 3 == 0 ? "vk" : i % 3 == 1 ? "telegram" : "otzovik";
    p.source_type = i % 3 == 2 ? "review" : "social";
    p.lang = "ru";
    p.text = std::move(texts[i]);
    posts.push_back(std::move(p));
  }
  return posts;
}

/// Words of the corpus by descending frequency (normalized, letters only).
inline std::vector<std::string> vocabulary(const std::vector<post>& posts) {
  std::map<std::string, size_t> freq;
  for (const auto& p : posts)
    for (auto& t : text::tokenize_term(p.text))
      if (!t.is_emoji && t.text.size() >= 4) ++freq[t.text];
  std::vector<std::pair<size_t, std::string>> by_freq;
  for (auto& [w, n] : freq) by_freq.push_back({n, w});
  std::sort(by_freq.begin(), by_freq.end(), [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (auto& [n, w] : by_freq) out.push_back(w);
  return out;
}

/// A made-up brand name: Latin and a Cyrillic transliteration.
inline std::pair<std::string, std::string> brand_name(std::mt19937_64& rng) {
  static const char* lat[] = {"fl", "ow", "ka", "ri", "zo", "mi", "te", "ba", "lu", "no", "ve", "sa"};
  static const char* cyr[] = {"фл", "оу", "ка", "ри", "зо", "ми", "те", "ба", "лу", "но", "ве", "са"};
  std::string a, b;
  const size_t parts = 3 + rng() % 2;
  for (size_t i = 0; i < parts; ++i) {
    size_t k = rng() % 12;
    a += lat[k];
    b += cyr[k];
  }
  return {a, b};
}

/// `count` topics; `terms` reports how many leaf terms they hold in total.
inline std::vector<topic_spec> make_topics(size_t count, const std::vector<std::string>& vocab, uint64_t seed,
                                           size_t* terms = nullptr) {
  std::mt19937_64 rng(seed);
  std::vector<topic_spec> out;
  size_t term_count = 0;
  // Context words come from the common part of the vocabulary (they occur),
  // brand names are made up (they rarely occur), as in real tenants.
  const size_t common = std::min<size_t>(vocab.size(), 5000);
  auto word = [&] { return vocab[rng() % common]; };
  auto rare = [&] { return vocab[common + rng() % (vocab.size() - common)]; };
  for (size_t i = 0; i < count; ++i) {
    auto [lat, cyr] = brand_name(rng);
    std::string brand = rng() % 10 == 0 ? rare() : lat;  // one brand in ten is a real word
    // Spelling variants as analysts list them: Latin, Cyrillic, a Cyrillic
    // misspelling, the hashtag and the account.
    std::string q = "(" + brand + ", " + cyr + ", " + cyr + "ф" + ", #" + lat + ", @" + lat;
    term_count += 5;
    if (rng() % 5 == 0) {  // a wildcard for spelling variants in one topic of five
      q += " OR " + lat.substr(0, 4) + "*";
      ++term_count;
    }
    q += ")";
    // Shapes: 20% brand AND context, 20% NEAR, 20% phrase, 30% exclusions,
    // 10% generic (a brand OR an industry term pair, no brand needed).
    const int roll = static_cast<int>(rng() % 10);
    const int shape = roll < 2 ? 0 : roll < 4 ? 1 : roll < 6 ? 2 : roll < 9 ? 3 : 4;
    if (shape == 0) {
      q += " AND (" + word() + " OR " + word() + " OR " + word() + " OR " + word() + " OR " + word() + ")";
      term_count += 5;
    } else if (shape == 1) {
      q += " NEAR/5 (" + word() + ", " + word() + ", " + word() + ")";
      term_count += 3;
    } else if (shape == 2) {
      q += " \"" + word() + " " + word() + "\"";
      term_count += 2;
    } else if (shape == 3) {
      q += " -" + word() + " -" + word() + " -" + word();
      term_count += 3;
    } else {
      q = "(" + q + ") OR (" + rare() + " AND " + word() + ")";
      term_count += 2;
    }
    topic_spec t;
    t.tenant = "tenant" + std::to_string(i % 97);
    t.id = "topic" + std::to_string(i);
    t.name = t.id;
    t.query = q;
    if (rng() % 20 == 0) t.channels.push_back("otzovik:" + lat);
    out.push_back(std::move(t));
  }
  if (terms) *terms = term_count;
  return out;
}

}  // namespace sito::bench
