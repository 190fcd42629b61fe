// File: sito/compile/program.hpp
//
// The compiled form of queries: atoms (interned leaves) and program nodes
// (a flattened AST the scanner evaluates per candidate topic).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sito/text/token_hash.hpp"

namespace sito {

inline constexpr uint32_t no_node = UINT32_MAX;

enum class atom_kind : uint8_t {
  word,            ///< plain term: any form (morphology); `text` is the folded term
  exact,           ///< exact normalized form (`!x`, phrase words, Kazakh terms)
  case_sensitive,  ///< `{Apple}`: folded key in `text`, NFKC original in `case_text`
  tag,             ///< `#tag`/`@mention`: folded tag in `text`
  wildcard,        ///< Hyperscan pattern over the token stream
  contains,        ///< Hyperscan literal over the folded text
};

struct atom {
  atom_kind kind = atom_kind::word;
  std::string text;       ///< folded key / literal / normalized wildcard source
  std::string case_text;  ///< case_sensitive: NFKC text the original must equal
};

/// Bit per post field a leaf may hit (DESIGN §3 default fields: all three).
enum field_bits : uint8_t {
  field_title = 1,
  field_text = 2,
  field_image = 4,
  field_default = 7,
};

enum class op : uint8_t {
  leaf,        ///< one atom; spans are its hits in `fields`
  seq,         ///< children (leaves) at consecutive positions in one field
  prox_phrase, ///< children (leaves) all within a window of `distance`, any order
  near,        ///< two children within `distance` (ordered: ONEAR)
  and_,
  or_,
  not_,
  filter,      ///< metadata filter `filter`
  contains,    ///< a contains: atom; boolean only
};

struct program_node {
  op kind = op::leaf;
  uint8_t fields = field_default;  ///< leaf/contains: where it may hit
  bool ordered = false;            ///< near
  bool positional = false;         ///< yields spans (leaf, seq, prox_phrase, near, or_ of those)
  uint32_t distance = 0;           ///< near / prox_phrase
  uint32_t atom = 0;               ///< leaf / contains
  uint32_t filter = 0;             ///< filter
  uint32_t label = 0;              ///< leaf / seq / prox_phrase / contains: highlight label
  uint32_t first_child = 0;        ///< into ruleset_snapshot::children
  uint32_t child_count = 0;
};

/// A run of atom ids inside ruleset_snapshot::postings.
struct posting_range {
  uint32_t begin = 0;
  uint32_t count = 0;
};

struct string_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return text::token_hash(s); }
};
struct string_eq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};
using posting_map = absl::flat_hash_map<std::string, posting_range, string_hash, string_eq>;
using posting_map_u32 = absl::flat_hash_map<uint32_t, posting_range>;

}  // namespace sito
