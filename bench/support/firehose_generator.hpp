// File: bench/support/firehose_generator.hpp
//
// A deterministic firehose shaped like social media, built from text people
// wrote (Debian packages, read from the local disk only):
//   * Russian: fortunes-ru (about 21k texts), the bulk of the stream;
//   * English: fortunes (about 15k texts);
//   * Kazakh: hunspell-kk's word list (/usr/share/hunspell/kk_KZ.dic). Debian
//     ships no Kazakh running text outside UI strings, so Kazakh posts are
//     sequences of real dictionary words: real letters and word lengths,
//     not real sentences. Absent when hunspell-kk is not installed.
//
// Shape: a log-normal post length (median about 140 characters, a long
// tail up to a few thousand: several fortunes glued together, or one cut
// at a word boundary), hashtags, @mentions, emoji (skin tones, ZWJ
// sequences, flags), links, replies to earlier posts, reposts, and the
// metadata of DESIGN §2 (source with its source type, channels for review
// cards, places for groups and chats, authors with heavy-tailed follower
// counts, time, language). Brand spellings given by the caller are injected
// into a configurable share of the posts.
//
//   auto tenants = sito::bench::generate_tenants({.topics = 1000, .seed = 1}, vocab);
//   sito::bench::firehose_generator gen({.seed = 7, .brand_rate = 0.05}, tenants.brand_spellings);
//   std::vector<sito::post> batch = gen.take(1024);   // each passes sito::validate_post
//
// Determinism: the same options, brand list and installed corpus give the
// same posts, in the same order, on every run and machine.
//
// Thread-safety: a firehose_generator is NOT safe for concurrent use (it
// owns its random state). The corpus behind it is loaded once per process
// and shared read-only.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sito/model/post.hpp"

namespace sito::bench {

/// The human-written text the generator draws from, loaded once.
struct text_corpus {
  std::vector<std::string> russian;        ///< fortunes-ru texts
  std::vector<std::string> english;        ///< fortunes texts
  std::vector<std::string> kazakh_words;   ///< hunspell-kk word list, affix flags stripped

  /// The process-wide corpus (thread-safe initialization).
  static const text_corpus& get();
};

struct firehose_options {
  uint64_t seed = 1;
  /// Share of posts that get one of the brand spellings injected, in [0, 1].
  double brand_rate = 0.05;
  double english_share = 0.15;  ///< share of English posts
  double kazakh_share = 0.03;   ///< share of Kazakh posts (0 when hunspell-kk is missing)
  double median_chars = 140;    ///< median post length in characters (log-normal)
  double hashtag_rate = 0.25;   ///< share of posts with 1–3 hashtags
  double mention_rate = 0.15;   ///< share of posts with an @mention
  double emoji_rate = 0.30;     ///< share of posts with 1–3 emoji
  double link_rate = 0.10;      ///< share of posts with a link (also sets url)
  double reply_rate = 0.20;     ///< share of posts that reply to an earlier post
  double repost_rate = 0.05;
  int64_t start_time = 1709856000;  ///< published_at of the first post (Unix seconds)
};

class firehose_generator {
 public:
  /// `brand_spellings` are the words injected (e.g. tenant_set::brand_spellings);
  /// when empty, nothing is injected whatever brand_rate says.
  explicit firehose_generator(firehose_options options, std::vector<std::string> brand_spellings = {});

  /// The next post. Its id is "f<seed>-<n>", unique within one generator.
  post next();
  /// The next `n` posts.
  std::vector<post> take(size_t n);

  uint64_t generated() const { return generated_; }
  /// How many of the generated posts got a brand spelling injected.
  uint64_t injected() const { return injected_; }

 private:
  std::string body(std::string& lang);
  const std::string& pick(const std::vector<std::string>& v);

  firehose_options options_;
  std::vector<std::string> brands_;
  const text_corpus& corpus_;
  std::mt19937_64 rng_;
  uint64_t generated_ = 0;
  uint64_t injected_ = 0;
  int64_t clock_ = 0;
};

}  // namespace sito::bench
