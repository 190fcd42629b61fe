// Private: evaluates a topic's program over the hits of one post.
//
// Semantics (DESIGN §3, made exact so the reference evaluator can agree):
//   * leaf: one span per hit in an allowed field; the highlight is the hit.
//   * seq: children hit at consecutive positions of one field; one highlight
//     from the first token's start to the last token's end.
//   * prox_phrase: every window [L, R] with L and R positions of the words,
//     R − L ≤ n, that holds each word as many times as the phrase has it;
//     highlights are the word hits inside the window.
//   * near: every pair of spans in one field with gap ≤ n (ordered: the
//     second starts 1..n after the first ends); the span covers both and
//     carries both operands' highlights.
//   * and/or/not/filter/contains: boolean; an AND's highlights are all its
//     children's, an OR's those of its true children, a NOT's none.
// A topic's highlights are the union over its true parts, sorted and unique.
#pragma once

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "scan/post_context.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace sito::detail {

struct span_value {
  uint8_t field;
  uint32_t start, end;  ///< token positions, inclusive
  uint32_t hl_begin, hl_count;
};

/// Per-node outcome, recorded when tracing (explain).
struct node_trace {
  uint32_t node;
  uint32_t depth;
  bool truth;
  uint32_t spans;
};

/// A set of atoms as a blocked Bloom filter (8 192 bits, L1-resident): each
/// atom sets two bits of one 64-bit word, so a probe reads one word. For the
/// atoms a post hit, a clear bit means "no hit" without reading the atom's
/// atom_hits record, which with many topics is a cold line (most atoms a
/// candidate's program names did not hit); both bits set may be other
/// atoms', and the record decides. With 116 distinct atoms per post (100k
/// topics) about 0.1% of the other atoms pass (one bit per atom: 1.4%).
struct atom_filter {
  static constexpr uint32_t log2_words = 7;
  uint64_t words[1u << log2_words] = {};
  static uint32_t hash(uint32_t atom) { return atom * 0x9E3779B1u; }
  static uint32_t word(uint32_t h) { return h >> (32 - log2_words); }
  static uint64_t bits(uint32_t h) { return (uint64_t{1} << (h & 63)) | (uint64_t{1} << ((h >> 6) & 63)); }
  void clear() { std::memset(words, 0, sizeof words); }
  void add(uint32_t atom) {
    const uint32_t h = hash(atom);
    words[word(h)] |= bits(h);
  }
  bool may_contain(uint32_t atom) const {
    const uint32_t h = hash(atom);
    const uint64_t b = bits(h);
    return (words[word(h)] & b) == b;
  }
};

/// A post's hits of one atom after group_hits, valid where `stamp` is the
/// post's: [begin, end) of the post's hits in text order when the atom hit
/// once (most do: no copy), or, with in_grouped set in both, of the
/// grouped copy that gathers the hits of atoms that hit more than once. One
/// 12-byte record, so the grouping and the evaluator touch one cache line
/// per atom.
struct atom_hits {
  static constexpr uint32_t in_grouped = 0x80000000u;
  uint32_t stamp = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
};

class program_evaluator {
 public:
  /// A post's hits by atom (group_hits): of(a) is atom a's hits in (field,
  /// position) order.
  struct hit_view {
    std::span<const hit> all;      ///< the post's hits, in the order found
    std::span<const hit> grouped;  ///< hits of atoms that hit more than once, by atom
    const atom_hits* of_atom;      ///< by atom, valid where its stamp == stamp
    uint32_t stamp;
    const atom_filter* present;    ///< the atoms with hits (may say yes for others)
    /// Whether atom `atom` hit the post (the filter first, then its record).
    bool has(uint32_t atom) const { return present->may_contain(atom) && of_atom[atom].stamp == stamp; }
    std::span<const hit> of(uint32_t atom) const {
      if (!has(atom)) return {};
      const atom_hits& a = of_atom[atom];
      if (a.begin & atom_hits::in_grouped) return grouped.subspan(a.begin & ~atom_hits::in_grouped, a.end - a.begin);
      return all.subspan(a.begin, a.end - a.begin);
    }
  };

  /// Evaluates topic `t`; on a match appends its sorted, unique highlights
  /// to `out` and returns true.
  bool evaluate_topic(const ruleset_snapshot& snap, const compiled_topic& t, const hit_view& hits,
                      const post_meta& meta, std::vector<highlight>& out,
                      std::vector<node_trace>* trace = nullptr);

  /// Whether the program at `root` holds (tag conditions).
  bool evaluate_condition(const ruleset_snapshot& snap, uint32_t root, const hit_view& hits, const post_meta& meta,
                          std::vector<node_trace>* trace = nullptr);

 private:
  struct value {
    bool truth = false;
    uint32_t span_begin = 0, span_count = 0;  ///< positional nodes
    uint32_t hl_begin = 0, hl_count = 0;      ///< boolean nodes
  };
  value eval(uint32_t node, uint32_t depth);
  /// A necessary condition for eval(node).truth from hit presence and
  /// filters alone (no positions, spans or highlights): a topic whose
  /// skeleton fails is rejected without the positional evaluation.
  bool may_hold(uint32_t node) const;
  /// Highlights of a value as one contiguous range of hls_.
  void collect_highlights(const value& v, std::vector<highlight>& dst) const;
  uint32_t add_hl(const highlight& h);

  const ruleset_snapshot* snap_ = nullptr;
  const hit_view* hits_ = nullptr;
  const post_meta* meta_ = nullptr;
  std::vector<node_trace>* trace_ = nullptr;
  struct occurrence {
    uint32_t position;
    uint32_t word;  // index into need_
    const hit* h;
  };
  std::vector<span_value> spans_;
  std::vector<value> stack_;
  std::vector<std::pair<uint32_t, uint32_t>> need_;
  std::vector<occurrence> occ_;
  std::vector<uint32_t> counts_;
  std::vector<highlight> hls_;
};

}  // namespace sito::detail
