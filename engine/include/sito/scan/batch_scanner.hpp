// File: sito/scan/batch_scanner.hpp
//
// Matches batches of posts against one ruleset_snapshot.
//
//   auto snap = sito::compile_topics(topics).value();
//   sito::batch_scanner scanner(snap);
//   sito::scan_output out;
//   scanner.scan(posts, out);                 // TBB-parallel over the batch
//   for (const auto& m : out.matches)
//     print(posts[m.post].id, snap->topics[m.topic].id, out.highlights_of(m));
//
// Per post: normalize and tokenize title/text/image in one pass (each token
// with its hash), look every token up in the term index through a
// per-thread cache of token → atoms (morphology and the wildcard database
// run once per distinct token), run the contains: database over the
// concatenated folded fields of the batch chunk, then evaluate only the
// topics whose rarest clause a hit atom or the post's metadata fires and
// whose other clause holds. For every topic that
// matched: own-account and WOM flags, the built-in sentiment (lexicon terms
// are atoms of the same term index, looked up only for posts with a match),
// auto-tags, then the topic's rules in order (sito/model/topic.hpp), then the
// priority (sito/rules/priority.hpp) unless a rule set it. A rule that drops
// the mention removes it from the output (counted in `dropped`).
//
// Thread-safety: a batch_scanner is safe for concurrent use; each thread
// that calls it gets its own scratch (Hyperscan scratch, stemmers, caches)
// from a tbb::enumerable_thread_specific. The snapshot is shared read-only.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/model/post.hpp"
#include "sito/query/ast.hpp"
#include "sito/rules/sentiment_lexicon.hpp"
#include "sito/scan/explanation.hpp"

namespace sito::enrich {
class embedding_backend;  // sito/enrich/embedding.hpp
}

namespace sito {

/// Why a topic matched: a query term hit this byte range of a field.
struct highlight {
  query::field field = query::field::text;  ///< title, text or image
  uint32_t begin = 0;  ///< byte offset in the original field text
  uint32_t end = 0;    ///< one past the last byte
  uint32_t label = 0;  ///< the query term, as ruleset_snapshot::label(label)
  auto operator<=>(const highlight&) const = default;
};

/// What only a post's place in the stream decides, and tag and rule
/// conditions can test. The caller knows it after a first scan (the
/// near-duplicate detector checks scan_output::matched_posts in stream order;
/// sito/dedup/post_check.hpp) and hands it to apply_facts().
struct stream_facts {
  bool duplicate = false;  ///< `is:duplicate`: a near-duplicate of an earlier post of the window
  /// The semantic tags (ruleset_snapshot::semantic_tags indices) whose
  /// examples decide for this post, sorted; sito/scan/semantic_facts.hpp
  /// fills it from scan_output::semantic_wanted.
  std::vector<uint32_t> semantic;

  /// Whether any fact differs from a scan without facts.
  bool any() const { return duplicate || !semantic.empty(); }
  bool semantic_holds(uint32_t tag) const { return std::binary_search(semantic.begin(), semantic.end(), tag); }
};

struct scan_output {
  struct match {
    uint32_t post;      ///< index into the scanned span
    uint32_t topic;     ///< index into ruleset_snapshot::topics
    uint32_t hl_begin;  ///< highlights[hl_begin, hl_begin + hl_count)
    uint32_t hl_count;
    uint32_t tag_begin = 0;  ///< tags[tag_begin, tag_begin + tag_count): label ids of tag paths
    uint32_t tag_count = 0;
    rules::sentiment sentiment = rules::sentiment::neutral;
    /// Where the sentiment came from: no_label for the built-in model, else
    /// the label id of "rule:<name>" of the last rule that set it.
    uint32_t sentiment_rule = no_label;
    float priority = 0;       ///< 0..100; see sito/rules/priority.hpp
    bool priority_from_rule = false;
    bool processed = false;   ///< a rule marked it processed
    bool wom = false;         ///< word of mouth (sito/rules/mention_flags.hpp)
    bool own = false;         ///< the author is one of the topic's own accounts
  };
  static constexpr uint32_t no_label = UINT32_MAX;
  struct rejected_post {
    uint32_t post;
    status reason;
  };
  std::vector<match> matches;  ///< ordered by post, then topic
  std::vector<highlight> highlights;  ///< sorted and unique per match
  std::vector<uint32_t> tags;         ///< tag paths set on matches, as label ids, in topic order
  std::vector<rejected_post> rejected;  ///< posts not scanned (invalid UTF-8, too large, no id)
  uint64_t topics_evaluated = 0;  ///< candidate topics whose programs ran (the cost driver)
  uint64_t dropped = 0;           ///< mentions a rule dropped
  /// Posts (indexes into the scanned span, ascending) for which at least one
  /// topic's query matched, before tags and rules: a post whose mentions
  /// rules all dropped is here too. The near-duplicate detector checks
  /// exactly these (sito/dedup/post_check.hpp).
  std::vector<uint32_t> matched_posts;
  /// Of matched_posts, those a topic whose tags or rules test a stream fact
  /// (compiled_topic::reads_stream_facts) matched, with how many topics'
  /// queries matched the post (its mentions before rules, dropped included).
  struct fact_reader {
    uint32_t post;
    uint32_t query_matches;
    bool reads_duplicate;  ///< one of the matched topics tests `is:duplicate`
  };
  std::vector<fact_reader> fact_readers;
  /// The semantic tags a post's matched topics have, for the posts among
  /// fact_readers: (post, ruleset_snapshot::semantic_tags index), grouped by
  /// post in post order within each scanned chunk.
  struct semantic_want {
    uint32_t post;
    uint32_t tag;
  };
  std::vector<semantic_want> semantic_wanted;
  /// With scan_options::near_duplicate_bigrams: each matched post's
  /// near-duplicate bigrams (sito/dedup/shingles.hpp) from the scan's own
  /// analysis of its title and text; matched_posts[i]'s end at
  /// bigram_end[i] and start where matched_posts[i - 1]'s end.
  std::vector<uint64_t> bigrams;
  std::vector<uint32_t> bigram_end;

  std::span<const highlight> highlights_of(const match& m) const {
    return {highlights.data() + m.hl_begin, m.hl_count};
  }
  std::span<const uint32_t> tags_of(const match& m) const { return {tags.data() + m.tag_begin, m.tag_count}; }
  /// The bigrams of post `post` (an index into the scanned span), or nullopt
  /// when it did not match or the scan did not make bigrams.
  std::optional<std::span<const uint64_t>> bigrams_of(uint32_t post) const {
    if (bigram_end.size() != matched_posts.size()) return std::nullopt;
    const auto it = std::lower_bound(matched_posts.begin(), matched_posts.end(), post);
    if (it == matched_posts.end() || *it != post) return std::nullopt;
    const size_t i = static_cast<size_t>(it - matched_posts.begin());
    const uint32_t b = i == 0 ? 0 : bigram_end[i - 1];
    return std::span<const uint64_t>(bigrams.data() + b, bigram_end[i] - b);
  }
  void clear() {
    matches.clear();
    highlights.clear();
    tags.clear();
    rejected.clear();
    topics_evaluated = 0;
    dropped = 0;
    matched_posts.clear();
    fact_readers.clear();
    semantic_wanted.clear();
    bigrams.clear();
    bigram_end.clear();
  }
};

struct scan_options {
  post_limits limits;
  /// Posts per TBB task; per-call overhead dominates small chunks.
  size_t chunk_size = 64;
  /// Tokens kept in each thread's token → atoms cache before it is reset.
  size_t token_cache_entries = 1 << 18;
  /// Make scan_output::bigrams for the matched posts (for the near-duplicate
  /// detector, which then need not analyze their text again).
  bool near_duplicate_bigrams = false;
};

class batch_scanner {
 public:
  explicit batch_scanner(std::shared_ptr<const ruleset_snapshot> snapshot, scan_options options = {});
  ~batch_scanner();
  batch_scanner(batch_scanner&&) noexcept;
  batch_scanner& operator=(batch_scanner&&) noexcept;

  /// Scans `posts` on TBB workers; `out` is cleared first. Posts that fail
  /// validate_post() are listed in out.rejected and the rest are scanned.
  /// `facts` (empty, or one per post) are the posts' stream facts; without
  /// them every fact is false (`is:duplicate` does not hold).
  void scan(std::span<const post> posts, scan_output& out, std::span<const stream_facts> facts = {}) const;

  /// Scans `posts` on the calling thread only (benchmarks, tiny batches).
  void scan_serial(std::span<const post> posts, scan_output& out, std::span<const stream_facts> facts = {}) const;

  /// The second half of a scan whose facts were not known: rebuilds in `out`
  /// (which scan(posts, out) filled, facts unknown) the mentions of the posts
  /// listed in out.fact_readers whose facts differ from the default, as a
  /// scan with `facts` (one per post) would have made them. Only those posts
  /// are scanned again, on the calling thread; for a ruleset whose tags and
  /// rules never test a fact, or a batch without duplicates, it does nothing.
  /// The result equals scan(posts, out, facts) but for topics_evaluated.
  void apply_facts(std::span<const post> posts, std::span<const stream_facts> facts, scan_output& out) const;

  const std::shared_ptr<const ruleset_snapshot>& snapshot() const;

  /// Why `topic` (an index into snapshot()->topics) does or does not match
  /// `p`: the atoms that hit (field, bytes, token), the evaluation of every
  /// program node regardless of triggers, and for a match the mention it
  /// becomes (sito/scan/explanation.hpp; to_string() renders it for people).
  /// The topic's semantic tags are decided for the post on `backend` (the
  /// CPU's when null), each with its nearest example and counter-example.
  /// Errors: the post fails validation, or `topic` is out of range.
  result<explanation> explain(const post& p, uint32_t topic, enrich::embedding_backend* backend = nullptr) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sito
