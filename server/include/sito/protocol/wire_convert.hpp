// File: sito/protocol/wire_convert.hpp
//
// Conversions between the engine's model (sito::post, topic_spec) and the
// FlatBuffers wire tables (schemas/sito.fbs), for sitod and the client alike,
// and the small string helpers every reader and writer of those tables uses.
// The server's own records (mentions, stored posts, alerts) are converted in
// sito/server/wire_convert.hpp.
//
//   flatbuffers::FlatBufferBuilder b;
//   auto off = sito::protocol::post_to_wire(b, p);       // publishing
//   sito::post back = sito::protocol::post_from_wire(*wire_post);
//
// Thread-safety: pure functions.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>
#include <vector>

#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/schemas/sito_generated.h"

namespace sito::protocol {

/// A wire string as std::string; absent becomes "".
inline std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

/// A wire vector of strings; absent becomes empty.
std::vector<std::string> strings(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v);

/// `s`, or an absent string when it is empty (readers map both to "").
flatbuffers::Offset<flatbuffers::String> opt_string(flatbuffers::FlatBufferBuilder& b, const std::string& s);

/// `v`, or an absent vector when it is empty.
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> opt_strings(
    flatbuffers::FlatBufferBuilder& b, const std::vector<std::string>& v);

/// A wire Post into the engine's post. Images are counted (image_count);
/// the bytes of those that carry data are copied into `images` (entries
/// without data are placeholders, counted only). Missing strings become empty.
post post_from_wire(const sito::wire::Post& p);

/// The engine's post as a wire Post: max(image_count, images.size()) Image
/// entries, the first carrying `images`' bytes when `with_image_bytes`
/// (publishing, storing), all placeholders otherwise (mentions delivered to
/// subscribers carry the OCR text, not the pictures).
flatbuffers::Offset<sito::wire::Post> post_to_wire(flatbuffers::FlatBufferBuilder& b, const post& p,
                                                   bool with_image_bytes = true);

topic_spec topic_from_wire(const sito::wire::Topic& t, const std::string& tenant);
flatbuffers::Offset<sito::wire::Topic> topic_to_wire(flatbuffers::FlatBufferBuilder& b, const topic_spec& t);

}  // namespace sito::protocol
