// File: sito/server/wire_convert.hpp
//
// The server's records on the wire and in the store: mention_record (a
// mention as sitod keeps and delivers it), stored posts, spike alerts, and
// the scanner's matches turned into mention records. The engine's model
// (posts, topics) converts in sito/protocol/wire_convert.hpp, which the
// client shares.
//
// Thread-safety: pure functions.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/model/post.hpp"
#include "sito/protocol/wire_convert.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/server/stream_stats.hpp"
#include "sito/schemas/sito_generated.h"

namespace sito::server {

/// A mention as the server keeps and delivers it (the wire Mention minus the post).
struct mention_record {
  uint64_t offset = 0;          ///< per-tenant mention-log offset, assigned by the store
  std::string tenant;
  std::string topic;
  uint64_t post_offset = 0;
  int64_t ingested_at_ms = 0;
  int64_t matched_at_ms = 0;
  uint64_t snapshot_version = 0;
  bool backfill = false;
  bool from_image = false;
  struct highlight {
    std::string field;          ///< title, text, image
    uint32_t start = 0, end = 0;
    std::string term;
  };
  std::vector<highlight> highlights;
  std::vector<std::string> tags;  ///< tag paths set on this mention
  uint8_t sentiment = 0;          ///< rules::sentiment
  std::string sentiment_source;   ///< "model" or "rule:<name>"
  float priority = 0;             ///< 0..100 (sito/rules/priority.hpp)
  bool processed = false;
  bool wom = false;
  /// Near-duplicates (DESIGN §4): the earliest post of the cluster still in
  /// the window and the cluster's size, when the post is a near-duplicate;
  /// empty and 0 for the first post of a cluster and for a post never checked.
  std::string duplicate_of;
  uint64_t duplicates = 0;
  /// The person of the post's author when matched (author_graph.hpp): the
  /// smallest author id of its set; empty when the post has no author.
  std::string person_id;
  /// In memory only: the author id the history index files the mention
  /// under (empty: none), and the links its post recorded first for this
  /// tenant, which the store writes with the mention.
  std::string author;
  std::vector<std::pair<std::string, std::string>> new_links;
  /// In memory only (neither stored nor sent): the post's near-duplicate
  /// cluster as campaign alerts count it; id 0 when the post was not indexed.
  struct cluster_ref {
    uint64_t id = 0;
    std::string first_post;  ///< the cluster's earliest post still in the window (the post itself when first)
    std::string author;      ///< the post's author (dedup::author_of)
  };
  cluster_ref cluster;
};

/// Serializes a mention_record (without post) as a finished store.StoredMention buffer.
std::vector<uint8_t> encode_stored_mention(const mention_record& m);
/// Decodes (and verifies) a store.StoredMention buffer.
result<mention_record> decode_stored_mention(std::span<const uint8_t> bytes);

/// Mention.history: the person's previous mentions, built before the mention.
using mention_history_offset = flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<sito::wire::Mention>>>;
/// A wire Mention for delivery; `p` may be null (post omitted).
flatbuffers::Offset<sito::wire::Mention> mention_to_wire(flatbuffers::FlatBufferBuilder& b, const mention_record& m,
                                                         const post* p, mention_history_offset history = {});

/// Serializes a post with its log metadata as a finished store.StoredPost buffer.
std::vector<uint8_t> encode_stored_post(const post& p, uint64_t offset, int64_t ingested_at_ms,
                                        const std::string& producer_tenant,
                                        std::optional<uint64_t> replaces = std::nullopt);
/// Fills `r`'s tenant, topic, highlights, tags, sentiment, priority and
/// flags from the scanner's match `m` (of `out`, scanned against `snap`).
void annotate_mention(mention_record& r, const scan_output& out, const scan_output::match& m,
                      const ruleset_snapshot& snap);

/// A spike alert on the wire.
flatbuffers::Offset<sito::wire::Alert> alert_to_wire(flatbuffers::FlatBufferBuilder& b, const stream_alert& a);
stream_alert alert_from_wire(const sito::wire::Alert& a);

struct stored_post {
  uint64_t offset = 0;
  int64_t ingested_at_ms = 0;
  std::string producer_tenant;
  post p;
  /// Set when this post is an edit: the offset of the stored version with
  /// the same (producer tenant, source, id) that it replaces.
  std::optional<uint64_t> replaces;
};
result<stored_post> decode_stored_post(std::span<const uint8_t> bytes);

}  // namespace sito::server
