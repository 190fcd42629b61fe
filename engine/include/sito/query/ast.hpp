// File: sito/query/ast.hpp
//
// The abstract syntax tree of the sito query language (DESIGN §3). The parser
// builds it, the printer turns it back into canonical text, the compiler
// plans it into atoms and programs, and the reference evaluator interprets it.
//
// A tree is a plain value: copyable, comparable with `same_tree` (which
// ignores source offsets), and safe to share read-only between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sito::query {

/// Text fields of a post that terms search. `any` is the default scope:
/// title, text and image (the OCR text).
enum class field : uint8_t {
  any = 0,  ///< no scope given: title, text and image
  title,    ///< the post's title
  text,     ///< the post's body
  image,    ///< text read from the post's pictures (OCR)
};
const char* to_string(field f);

/// Metadata a filter can test (DESIGN §3, "metadata filters").
enum class filter_field : uint8_t {
  lang,       ///< post.lang equals value
  source,     ///< post.source equals value (vk, telegram, ...)
  type,       ///< post.source_type equals value (social, review, ...)
  channel,    ///< post.channel equals value
  place,      ///< post.place equals value
  author,     ///< post.author.id or post.author.handle equals value
  site,       ///< host of post.url equals value or ends with "." + value
  url,        ///< post.url contains value (case-insensitive)
  country,    ///< post.author.country equals value (case-insensitive)
  city,       ///< post.author.city equals value (case-insensitive)
  gender,     ///< post.author.gender equals value
  followers,  ///< post.author.followers within [lo, hi]
  has_image,  ///< the post carries at least one image
  has_link,   ///< post.url is set or title/text contains http:// or https:// or www.
  is_reply,   ///< post.parent_id is set
  is_repost,  ///< post.is_repost is true
  // Mention-level conditions: they describe a mention of a topic, not the
  // post alone, so only tag and rule conditions may use them (the compiler
  // rejects them in a topic's query, and `tag:` in an auto-tag's condition).
  is_own,        ///< the author is one of the topic's own_accounts (`is:own`)
  is_wom,        ///< the mention is word of mouth (`is:wom`, see sito/rules/mention_flags.hpp)
  is_processed,  ///< an earlier rule marked the mention processed (`is:processed`)
  sentiment,     ///< the mention's current sentiment: negative, neutral or positive
  tag,           ///< the mention carries this tag path or one below it (`tag:"Субъект"`)
  /// The post is a near-duplicate of an earlier post of the stream's window
  /// (`is:duplicate`; sito/dedup/post_check.hpp): decided once per post, in
  /// stream order, before any tag or rule runs (batch_scanner::apply_facts).
  is_duplicate,
};
/// True for the mention-level fields (is_own and after).
inline bool is_mention_filter(filter_field f) { return f >= filter_field::is_own; }
const char* to_string(filter_field f);

/// One metadata condition. String values are stored as written (the
/// evaluator compares them case-insensitively); `followers` uses lo/hi.
struct filter_spec {
  filter_field field = filter_field::lang;
  std::string value;        ///< for string-valued filters
  int64_t lo = INT64_MIN;   ///< followers: inclusive lower bound
  int64_t hi = INT64_MAX;   ///< followers: inclusive upper bound
  bool operator==(const filter_spec&) const = default;
};

enum class node_kind : uint8_t {
  term,            ///< `доставка` (morphology) or `!доставка` / `+доставка` (exact); text may hold
                   ///< several tokens (`интернет-магазин`, `brand😡`): they must be adjacent
  phrase,          ///< `"доставка цветов"`: consecutive tokens, exact forms, in order
  proximity_phrase,///< `"w1 w2 w3"~n`: all words, exact forms, any order, window ≤ n
  wildcard,        ///< `флор*`, `colo?r`: exact token text with `*` (any letters) and `?` (one)
  case_sensitive,  ///< `{Apple}`: exact case and form
  tag,             ///< `#flowwow` or `@flowwow`: the whole hashtag or mention
  contains,        ///< `contains:"wow"`: raw substring of the normalized default fields
  and_,            ///< all children
  or_,             ///< any child
  not_,            ///< exactly one child, which must not match
  near,            ///< two children within `distance` tokens; `ordered` for ONEAR / NEAR/nf
  field_scope,     ///< exactly one child, restricted to `scope`
  filter,          ///< a metadata condition (`lang:ru`, `followers:>=1000`, ...)
};
const char* to_string(node_kind k);

struct node {
  node_kind kind = node_kind::term;
  /// term/phrase/proximity_phrase/wildcard/case_sensitive: the text as written,
  /// without the syntax around it (no quotes, braces, `!`); escapes in quotes
  /// are resolved. tag: the tag with its sigil (`#flowwow`). contains: the needle.
  std::string text;
  bool exact = false;       ///< term: `!` or `+` was given
  uint32_t distance = 0;    ///< near, proximity_phrase: the n
  bool ordered = false;     ///< near: ONEAR/n or NEAR/nf
  field scope = field::any; ///< field_scope: the field
  filter_spec filter;       ///< filter: the condition
  std::vector<node> children;
  uint32_t begin = 0;       ///< byte offset of the construct in the source
  uint32_t end = 0;         ///< byte offset one past it
};

/// Structural equality ignoring `begin`/`end`.
bool same_tree(const node& a, const node& b);

/// True when the tree can be true only if some non-negated leaf or filter
/// holds (a "positive" query), so candidates can be found through that leaf:
/// leaves, filters, NEAR and field scopes are anchored; AND when any child
/// is; OR when all children are; NOT never. A topic whose query is not
/// anchored needs channels, and then means `channel AND query`.
bool is_anchored(const node& n);

/// True for the kinds that may stand inside NEAR/ONEAR on their own
/// (terms, phrases, wildcards, tags, case-sensitive terms, contains is NOT one).
bool is_positional_leaf(node_kind k);

}  // namespace sito::query
