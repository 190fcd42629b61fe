// File: sito/compile/ruleset_snapshot.hpp
//
// An immutable, compiled set of topics: the unit the scanner runs against
// and that the server swaps atomically on every topic change.
//
// Layout (decided by measurement, see bench/RESULTS.md):
//   * atoms — every distinct leaf (word, exact form, #tag, {Case}, wildcard,
//     contains:) interned once across all topics and tenants;
//   * a term index — hash maps from folded token text, from hunspell entry
//     and from Snowball stem to the word atoms they satisfy — serves
//     whole-word terms with one lookup per token;
//   * Hyperscan databases for what needs automata: wildcards (over a token
//     stream) and contains: substrings (over the folded text);
//   * per-topic boolean programs (a node array) with proximity checks;
//   * trigger lists: which topics a hit atom or a post's metadata can make
//     true, so a post evaluates only the topics it could match.
//
// Thread-safety: immutable after compile(); safe for concurrent readers.
// Hold it by shared_ptr: scanners keep the snapshot they were built with.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <hs/hs.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sito/compile/program.hpp"
#include "sito/morph/morphology.hpp"
#include "sito/query/ast.hpp"

namespace sito::enrich {
class semantic_tag_set;  // sito/enrich/semantic_tags.hpp
}

namespace sito {

/// One compiled topic.
struct compiled_topic {
  std::string tenant;
  std::string id;
  std::string name;
  std::string query;                  ///< as written
  std::vector<std::string> channels;  ///< normalized (lower case)
  uint32_t root = no_node;            ///< program root; no_node when the query is empty
  /// How channels and query combine: `channel OR query` when the query has a
  /// positive part; `channel AND query` for a purely negative query
  /// (`-вакансия` on a review page: everything from the page except ...).
  bool channel_and_query = false;
  struct tag {
    uint32_t path;  ///< label id of the tag path (ruleset_snapshot::label)
    uint32_t root;  ///< program of its condition; no_node for a semantic tag without a query
    int32_t semantic = -1;  ///< index into ruleset_snapshot::semantic_tags; -1: not semantic
  };
  std::vector<tag> tags;  ///< evaluated only for posts that matched the topic
  /// One rule (sito/model/topic.hpp rule_spec), in order.
  struct rule {
    uint32_t name = 0;        ///< label id of the rule's name
    uint32_t root = no_node;  ///< condition; no_node: always
    std::vector<uint32_t> add_tags;  ///< label ids of tag paths
    int8_t set_sentiment = -1;       ///< rules::sentiment value, -1: unchanged
    float set_priority = -1;         ///< < 0: unchanged
    bool mark_processed = false;
    bool drop = false;
  };
  std::vector<rule> rules;
  std::vector<std::string> own_accounts;  ///< rules::account_key() of each own account
  uint32_t tenant_index = 0;  ///< index into ruleset_snapshot::tenants
  /// A tag or rule condition tests a stream fact (`is:duplicate`), or a tag
  /// is semantic: a post this topic matches is scanned again when its facts
  /// are known (batch_scanner::apply_facts).
  bool reads_stream_facts = false;
  /// Of those, a tag or rule condition tests `is:duplicate`.
  bool reads_duplicate = false;
};

/// A sentiment lexicon entry bound to an atom (sito/rules/sentiment_lexicon.hpp).
struct sentiment_term {
  static constexpr uint32_t builtin = UINT32_MAX;
  uint32_t tenant = builtin;  ///< tenant index, or builtin
  uint8_t role = 0;           ///< rules::lexicon_role
  bool emoji = false;
  float weight = 0;
};

namespace detail { struct hs_database_deleter { void operator()(hs_database_t* db) const; }; }
using hs_database_ptr = std::unique_ptr<hs_database_t, detail::hs_database_deleter>;

class ruleset_snapshot {
 public:
  // --- topics -----------------------------------------------------------
  std::vector<compiled_topic> topics;

  // --- programs ---------------------------------------------------------
  std::vector<program_node> nodes;
  std::vector<uint32_t> children;     ///< child lists of nodes, by node.first_child
  std::vector<std::string> labels;    ///< highlight labels, by label id
  std::vector<query::filter_spec> filters;  ///< values normalized, by filter id

  // --- atoms and the term index -----------------------------------------
  std::vector<atom> atoms;
  /// At most this many atoms: the scanner's token cache keeps three flags
  /// in the top bits of an atom id.
  static constexpr size_t max_atoms = size_t{1} << 29;
  /// Folded token text → word/exact/case atoms. Tag atoms are keyed by their
  /// folded `#tag` text (a token key never starts with '#' or '@').
  posting_map exact_index;
  /// hunspell entry id → word atoms whose term belongs to that entry.
  posting_map_u32 entry_index;
  /// Snowball stem (UTF-8) → word atoms (rule a: stem(T), rule c: T).
  posting_map stem_index;
  std::vector<uint32_t> postings;     ///< atom lists referenced by the indexes

  // --- Hyperscan --------------------------------------------------------
  hs_database_ptr token_db;   ///< wildcard patterns over the token stream; may be null
  std::vector<uint32_t> token_db_atoms;  ///< hs id → atom
  hs_database_ptr text_db;    ///< contains: literals over folded text; may be null
  std::vector<uint32_t> text_db_atoms;   ///< hs id → atom
  std::vector<uint32_t> text_db_lengths; ///< hs id → folded literal length

  // --- triggers ---------------------------------------------------------
  // A topic has up to two clauses, each a set of triggers (atoms or
  // metadata keys) of which at least one must fire for the topic to be able
  // to match. Only the cheaper clause is indexed (atom → topics, metadata
  // key → topics); the other is checked on the post when the first fires
  // (scan/candidate_selector.hpp), so a common second clause never fans out.
  std::vector<uint32_t> atom_trigger_begin;  ///< CSR by atom into trigger_topics
  /// Whether atom `a` indexes any topic.
  bool is_trigger(uint32_t a) const { return atom_trigger_begin[a] != atom_trigger_begin[a + 1]; }
  std::vector<uint32_t> trigger_topics;      ///< topic ids
  /// A metadata key the scanner probes: the topics it triggers (a range of
  /// `postings`, possibly empty) and its id in second-clause checks.
  struct meta_key {
    posting_range topics;
    uint32_t id = 0;
  };
  /// Per filter field (the post-level ones: up to is_repost), the normalized
  /// value → meta_key, for equality filters and channels; looked up with the
  /// post's value as it is, no key built per probe.
  using meta_map = absl::flat_hash_map<std::string, meta_key, string_hash, string_eq>;
  static constexpr size_t meta_field_count = static_cast<size_t>(query::filter_field::is_repost) + 1;
  std::array<meta_map, meta_field_count> meta_index;
  const meta_map& meta_index_of(query::filter_field f) const { return meta_index[static_cast<size_t>(f)]; }
  /// Second clauses: CSR by topic (size topics + 1) into check_triggers,
  /// whose entries are atom ids, or check_meta_bit | a meta_key id.
  std::vector<uint32_t> topic_check_begin;
  std::vector<uint32_t> check_triggers;
  static constexpr uint32_t check_meta_bit = 0x80000000u;
  std::vector<uint32_t> always_topics;  ///< topics no trigger can bound (evaluated for every post)
  /// The query atoms (not condition-only) that topic t's program, tags and
  /// rules read: CSR by topic (size topics + 1) into topic_atoms. A post's
  /// hits are grouped only for the atoms of its candidates.
  std::vector<uint32_t> topic_atom_begin;
  std::vector<uint32_t> topic_atoms;
  /// Which metadata keys any topic triggers on or filters by (bit per filter_field,
  /// plus channel_bit).
  uint32_t meta_fields_used = 0;
  static constexpr uint32_t channel_bit = 1u << 31;
  /// The filter fields of meta_index's keys, indexed or checked (bit per
  /// filter_field): the only ones a post's metadata is looked up by.
  uint32_t meta_trigger_fields = 0;
  /// Of those, the fields of keys that index topics: looked up for every
  /// post; the others (second-clause checks) only when something fired.
  uint32_t meta_index_fields = 0;

  /// Atoms that only conditions use (auto-tags, rules, the sentiment
  /// lexicon): the scanner looks them up only for posts that matched a topic
  /// (common words like `не` would otherwise add hits to every post).
  std::vector<bool> condition_only_atom;
  bool has_condition_only_atoms = false;

  // --- mentions: tenants, sentiment lexicon, tag keys ---------------------
  std::vector<std::string> tenants;  ///< by compiled_topic::tenant_index
  /// CSR by atom into sentiment_terms (size atoms + 1); empty without a lexicon.
  std::vector<uint32_t> sentiment_begin;
  /// Whether a sentiment lexicon (built-in or a tenant's) has atom `a`.
  bool has_sentiment(uint32_t a) const { return !sentiment_begin.empty() && sentiment_begin[a] != sentiment_begin[a + 1]; }
  std::vector<sentiment_term> sentiment_terms;
  std::string lexicon_version;  ///< the built-in lexicon's version line
  /// Normalized tag path by label id, for every tag path a tag or rule sets
  /// (what `tag:` conditions compare against).
  absl::flat_hash_map<uint32_t, std::string> tag_keys;
  /// Every semantic tag of the ruleset's topics (compiled_topic::tag::semantic
  /// indexes it), with its examples embedded; null when there is none.
  std::shared_ptr<const enrich::semantic_tag_set> semantic_tags;

  bool needs_stemming = false;   ///< the stem index is non-empty
  std::shared_ptr<const morph::morphology> morphology;
  uint64_t version = 0;          ///< set by the owner (server) on swap

  std::string_view label(uint32_t id) const { return labels[id]; }
  size_t memory_bytes() const;   ///< approximate heap footprint

  ruleset_snapshot() = default;
  ruleset_snapshot(const ruleset_snapshot&) = delete;
  ruleset_snapshot& operator=(const ruleset_snapshot&) = delete;
};

}  // namespace sito
