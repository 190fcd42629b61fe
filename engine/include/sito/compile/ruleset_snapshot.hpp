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

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sito/compile/program.hpp"
#include "sito/morph/morphology.hpp"
#include "sito/query/ast.hpp"

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
    uint32_t root;  ///< program of its condition
  };
  std::vector<tag> tags;  ///< evaluated only for posts that matched the topic
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
  // A topic has one or two clauses, each a set of triggers (atoms or
  // metadata keys) of which at least one must fire for the topic to be able
  // to match; it is evaluated once every clause has fired. Entries encode
  // (topic << 1 | clause).
  static uint32_t trigger_entry(uint32_t topic, uint32_t clause) { return topic << 1 | clause; }
  std::vector<uint32_t> atom_trigger_begin;  ///< CSR by atom into trigger_topics
  std::vector<uint32_t> trigger_topics;      ///< trigger entries
  /// "field\x1fvalue" (normalized) → trigger entries, for equality filters and channels.
  posting_map meta_index;
  /// Per topic: the clause bits that must all fire (0 for always_topics).
  std::vector<uint8_t> topic_clause_mask;
  std::vector<uint32_t> always_topics;  ///< topics no trigger can bound (evaluated for every post)
  /// Which metadata keys any topic triggers on or filters by (bit per filter_field,
  /// plus channel_bit).
  uint32_t meta_fields_used = 0;
  static constexpr uint32_t channel_bit = 1u << 31;
  /// The filter fields some topic triggers on (bit per filter_field): the
  /// only ones a post's metadata is looked up by.
  uint32_t meta_trigger_fields = 0;

  /// Atoms that only tag conditions use: the scanner looks them up only for
  /// posts that have a candidate topic with tags (common tag words would
  /// otherwise add hits to every post).
  std::vector<bool> tag_only_atom;
  bool has_tag_only_atoms = false;

  bool needs_byte_map = false;   ///< a contains: atom exists
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
