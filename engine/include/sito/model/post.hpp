// File: sito/model/post.hpp
//
// A post of the firehose (DESIGN §2) and its JSON form. The engine reads the
// text fields (title, text, image) and the metadata that filters test.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"

namespace sito {

struct author_info {
  std::string id;
  std::string handle;
  std::string name;
  std::optional<int64_t> followers;
  bool verified = false;
  std::string gender;   ///< "f", "m" or empty
  std::optional<int32_t> age;
  std::string country;  ///< e.g. "RU"
  std::string city;
  /// Ids of the same person on other platforms, as `platform:id` (e.g.
  /// "tg:555", "crm:8812"): what a vendor or a CRM knows. sitod joins them
  /// into one person (README "One author across platforms"); validate_post
  /// checks their form (author_link_error).
  std::vector<std::string> links;
};

/// The most links one author may carry, and the longest link.
inline constexpr size_t max_author_links = 32;
inline constexpr size_t max_author_link_bytes = 256;

/// Why `link` is not a valid author id of the `platform:id` form (empty
/// when it is): a platform of [a-z0-9_.-], a colon, then an id of valid
/// UTF-8 without control characters, at most max_author_link_bytes in all.
std::string author_link_error(std::string_view link);

/// One inline image of a post (DESIGN §2): PNG, JPEG or WebP bytes. The
/// engine never decodes them; the OCR lane (sito::enrich) does.
struct image_blob {
  std::string mime;           ///< as the producer declared it; advisory
  std::vector<uint8_t> data;  ///< encoded bytes
};

struct post {
  std::string id;           ///< unique per source; required
  std::string source;       ///< vk, telegram, otzovik, ...
  std::string source_type;  ///< social, review, news, forum, messenger, video, blog, marketplace, app_store, maps
  std::string channel;      ///< the page or card reviews are left on
  std::string place;        ///< group, chat or community
  std::string url;
  author_info author;
  int64_t published_at = 0;  ///< Unix seconds, 0 when unknown
  std::string lang;
  std::string title;
  std::string text;
  /// Text read from the post's images (OCR); searched as field `image`.
  std::string image_text;
  uint32_t image_count = 0;  ///< how many images the post carries (== images.size() when bytes came along)
  /// The images' bytes, when the producer sent them (OCR input). A post may
  /// count images without carrying them (image_count from JSON, or a stored
  /// post whose bytes were dropped after OCR).
  std::vector<image_blob> images;
  std::string parent_id;     ///< set when the post replies to another
  bool is_repost = false;
  int64_t reach = 0;
  int64_t engagement = 0;
  /// Fields of its JSON form that sito does not know (vendors add their
  /// own; a typo such as "txet" lands here too): counted per tenant in
  /// sitod's /metrics; matching ignores it.
  uint32_t unknown_fields = 0;
};

/// Limits a post must respect to be scanned.
struct post_limits {
  size_t max_field_bytes = 1 << 20;  ///< per text field (title, text, image)
  size_t max_images = 64;            ///< image bytes carried per post
  size_t max_image_bytes = 8u << 20; ///< per image
};

/// Checks the fields a scan relies on: a non-empty id, valid UTF-8 in
/// every text field, no field above the limit, no more images than
/// max_images and none larger than max_image_bytes, at most max_author_links
/// author links, each of the `platform:id` form. The message names the
/// field (`images[3]`, `author.links[1]`) and, for UTF-8, the byte offset.
status validate_post(const post& p, const post_limits& limits = {});

/// Parses one JSON object with the field names of DESIGN §2 (`author` is an
/// object; `images` is an array whose entries are base64 strings or objects
/// `{"data": base64, "mime": "image/png"}`; their bytes are decoded into
/// `images` (a string that is not base64 is an error naming its index), or
/// `image_count` says how many there were when no bytes are sent;
/// `image_text` carries OCR output when an upstream produced it). Unknown
/// fields are tolerated: counted in post::unknown_fields and, when
/// `unknown_names` is given, their names appended to it (`author.x` for one
/// inside `author`). Wrongly-typed known fields are an error that names them.
result<post> post_from_json(std::string_view json, std::vector<std::string>* unknown_names = nullptr);

/// The JSON form of a post (without image bytes; `image_count` keeps their number).
std::string post_to_json(const post& p);

}  // namespace sito
