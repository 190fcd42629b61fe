// Private: what the evaluator knows about one post after the scan phase.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sito/compile/program.hpp"
#include "sito/model/post.hpp"
#include "sito/text/analyzed_text.hpp"

namespace sito::detail {

/// One occurrence of an atom in a field.
struct hit {
  uint32_t atom;
  uint8_t field;        ///< 0 title, 1 text, 2 image
  uint32_t position;    ///< token position; contains: hits use the folded offset
  uint32_t orig_begin;  ///< bytes in the original field
  uint32_t orig_end;
  bool operator<(const hit& o) const {
    if (atom != o.atom) return atom < o.atom;
    if (field != o.field) return field < o.field;
    if (position != o.position) return position < o.position;
    return orig_begin < o.orig_begin;
  }
  bool operator==(const hit& o) const {
    return atom == o.atom && field == o.field && position == o.position && orig_begin == o.orig_begin &&
           orig_end == o.orig_end;
  }
};

inline constexpr int field_count = 3;
inline uint8_t field_bit(uint8_t field) { return static_cast<uint8_t>(1u << field); }
/// The text of field 0 (title), 1 (text) or 2 (image_text) of a post.
inline const std::string& field_text(const post& p, uint8_t field) {
  return field == 0 ? p.title : field == 1 ? p.text : p.image_text;
}

/// The mention-level facts tag and rule conditions test (is:own, is:wom,
/// is:processed, is:duplicate, sentiment:, tag:), as the rules so far left them.
struct mention_view {
  bool is_own = false, is_wom = false, is_processed = false;
  bool is_duplicate = false;  ///< the post's stream fact (batch_scanner.hpp, stream_facts)
  uint8_t sentiment = 0;  ///< rules::sentiment
  std::span<const std::string* const> tag_keys;  ///< normalized paths of the tags set so far
};

/// Normalized metadata of a post, as filters compare it.
struct post_meta {
  const mention_view* mention = nullptr;  ///< set while tags and rules are evaluated
  std::string lang, source, type, channel, place, author_id, author_handle, country, city, gender;
  std::string url;   ///< lower-cased
  std::string host;  ///< lower-cased host of url, without port
  std::optional<int64_t> followers;
  bool has_image = false, has_link = false, is_reply = false, is_repost = false;
};

/// Lower-cases ASCII directly and sends anything else through text::normalize,
/// into `out` (reusing its capacity: once per post field on the hot path).
void normalize_meta(std::string_view value, std::string& out);

/// Bit in build_post_meta's `fields` for the channel (topics' channels).
inline constexpr uint32_t channel_meta_bit = 1u << 31;

/// Fills the parts of `meta` that `fields` asks for (a bit per
/// query::filter_field, plus channel_meta_bit), leaving the others as they
/// are (a second call can add more); cheap flags always.
/// `folded_title`/`folded_text` feed has:link.
void build_post_meta(const post& p, std::string_view folded_title, std::string_view folded_text, uint32_t fields,
                     post_meta& meta);

}  // namespace sito::detail
