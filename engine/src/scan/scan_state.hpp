// Private: the per-thread state of one scanning thread, shared by the
// stages of the scan (batch_scanner.cpp drives them in this order):
//
//   analyze (text/)  →  term_matcher  →  candidate_selector  →
//   program_evaluator  →  mention_builder (mention/)
//
// Thread-safety: a thread_scratch belongs to one thread at a time
// (tbb::enumerable_thread_specific in batch_scanner).
#pragma once

#include <hs/hs.h>

#include <memory>
#include <string>
#include <vector>

#include "mention/mention_builder.hpp"
#include "scan/post_context.hpp"
#include "scan/program_evaluator.hpp"
#include "scan/token_cache.hpp"
#include "sito/dedup/shingles.hpp"
#include "sito/morph/stemmer.hpp"
#include "sito/text/analyzed_text.hpp"

namespace sito::detail {

struct hs_scratch_deleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

/// One analyzed post of a chunk.
struct post_slot {
  bool valid = false;
  text::analyzed_text fields[field_count];
  std::vector<hit> hits;
  /// The tokens (and whole #tags) whose cached entry has atoms, in text
  /// order, recorded by the term pass: their hits are written only for
  /// posts where something fired (group 0) or that matched (group 1).
  struct matched_token {
    uint8_t field;
    bool is_tag;
    uint32_t token;
    token_cache::entry entry;
  };
  std::vector<matched_token> matched;
  /// Whether one of `matched` has condition-only atoms (group 1).
  bool condition_tokens = false;
  /// Whether one of the post's atoms is a topic's trigger (term_matcher
  /// sets it): a post without one, and without metadata triggers, has no
  /// candidates.
  bool trigger_hits = false;
  post_meta meta;
};

struct thread_scratch {
  std::unique_ptr<hs_scratch_t, hs_scratch_deleter> hs;
  text::analyzer analyzer;
  dedup::bigram_builder bigrams;  ///< scan_options::near_duplicate_bigrams
  std::vector<post_slot> slots;

  // term matching: token → atoms, memoized (morphology and wildcards run
  // once per distinct token)
  std::unique_ptr<token_cache> cache;
  morph::stemmer stemmer;
  std::string stem_buf;
  std::string wildcard_buf;
  std::vector<uint32_t> lookup_tmp;
  text::analyzed_text byte_map_tmp;  ///< a field re-analyzed with its byte map (contains: hits)
  struct contains_hit {
    uint32_t slot;
    uint8_t field;
    uint32_t hit;  ///< index into the slot's hits
  };
  std::vector<contains_hit> contains_hits;
  std::string stream;  ///< the chunk's folded fields, for the contains: database
  struct segment {
    uint32_t stream_begin;
    uint32_t slot;
    uint8_t field;
  };
  std::vector<segment> segments;

  // candidate selection and evaluation, stamped per post
  std::vector<atom_hits> atom_state;  ///< by atom (program_evaluator.hpp)
  std::vector<uint32_t> topic_stamp;
  uint32_t stamp = 0;
  /// A new generation for the stamped arrays; on wrap-around they are cleared.
  uint32_t next_stamp() {
    if (++stamp == 0) {
      std::fill(atom_state.begin(), atom_state.end(), atom_hits{});
      std::fill(topic_stamp.begin(), topic_stamp.end(), 0);
      stamp = 1;
    }
    return stamp;
  }
  std::vector<uint32_t> distinct_atoms;  ///< group_hits: atoms in order of first hit
  atom_filter hit_atoms;                 ///< the post's atoms, as a filter (select_candidates, group_hits)
  std::vector<uint32_t> trigger_atoms;   ///< select_candidates: the post's trigger atoms
  /// select_candidates: the group-0 atoms (cache ids, flags included) of the
  /// post's matched tokens in their order, each with its token's index in
  /// slot.matched; the first post_atoms_used are this post's (the buffer
  /// only grows).
  struct token_atom {
    uint32_t id;
    uint32_t matched;
  };
  std::vector<token_atom> post_atoms;
  size_t post_atoms_used = 0;
  atom_filter wanted_atoms;              ///< select_candidates: the atoms its candidates read
  std::vector<hit> grouped_hits;         ///< group_hits: hits of atoms that hit more than once, by atom
  size_t grouped_used = 0;               ///< how many of grouped_hits this post's view uses (the buffer only grows)
  std::vector<uint32_t> candidates;
  std::vector<uint32_t> meta_present;        ///< meta key ids the post carries
  std::vector<posting_range> meta_triggers;  ///< their trigger lists
  program_evaluator evaluator;

  // mentions of the current post
  struct pending_match {
    uint32_t topic, hl_begin, hl_count;
  };
  std::vector<pending_match> pending;
  mention_builder mentions;
};

}  // namespace sito::detail
