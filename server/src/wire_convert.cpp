// File: wire_convert.cpp
//
// The server's records (mentions, stored posts, alerts) <-> FlatBuffers wire
// (sito.fbs) and storage (store.fbs) tables.
#include "sito/server/wire_convert.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include "sito/schemas/store_generated.h"

namespace sito::server {
namespace {

using protocol::opt_string;
using protocol::opt_strings;
using protocol::post_from_wire;
using protocol::post_to_wire;
using protocol::str;
using protocol::strings;

/// Verifier limits for records the server itself wrote.
constexpr flatbuffers::uoffset_t k_store_max_depth = 32;
constexpr flatbuffers::uoffset_t k_store_max_tables = 1'000'000;

/// FlatBuffers accessors read scalars in place, so the buffer must be aligned
/// for the widest scalar (8 bytes). Bytes from the store (RocksDB slices) need
/// not be; those are copied into `storage`.
std::span<const uint8_t> aligned(std::span<const uint8_t> bytes, std::vector<uint8_t>& storage) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) == 0) return bytes;
  storage.assign(bytes.begin(), bytes.end());  // operator new aligns to at least 8
  return storage;
}

bool fits_verifier(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 * sizeof(flatbuffers::uoffset_t) && bytes.size() < FLATBUFFERS_MAX_BUFFER_SIZE;
}

mention_record mention_from_wire(const sito::wire::Mention& w) {
  mention_record m;
  m.offset = w.offset();
  m.tenant = str(w.tenant());
  m.topic = str(w.topic());
  m.post_offset = w.post_offset();
  m.ingested_at_ms = w.ingested_at_ms();
  m.matched_at_ms = w.matched_at_ms();
  m.snapshot_version = w.snapshot_version();
  m.backfill = w.backfill();
  m.from_image = w.from_image();
  if (const auto* hs = w.highlights()) {
    m.highlights.reserve(hs->size());
    for (const auto* h : *hs) {
      if (!h) continue;
      m.highlights.push_back({str(h->field()), h->start(), h->end(), str(h->term())});
    }
  }
  m.tags = strings(w.tags());
  m.sentiment = static_cast<uint8_t>(w.sentiment());
  m.sentiment_source = str(w.sentiment_source());
  m.priority = w.priority();
  m.processed = w.processed();
  m.wom = w.wom();
  m.duplicate_of = str(w.duplicate_of());
  m.duplicates = w.duplicates();
  m.person_id = str(w.person_id());
  return m;
}

/// Limits for verifying stored records.
flatbuffers::Verifier::Options store_verifier_options() {
  flatbuffers::Verifier::Options opts;
  opts.max_depth = k_store_max_depth;
  opts.max_tables = k_store_max_tables;
  return opts;
}

std::vector<uint8_t> release(flatbuffers::FlatBufferBuilder& b) {
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

flatbuffers::Offset<sito::wire::Mention> mention_to_wire(flatbuffers::FlatBufferBuilder& b, const mention_record& m,
                                                         const post* p, mention_history_offset history) {
  auto tenant = opt_string(b, m.tenant);
  auto topic = opt_string(b, m.topic);
  flatbuffers::Offset<sito::wire::Post> wp;
  if (p) wp = post_to_wire(b, *p, /*with_image_bytes=*/false);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<sito::wire::Highlight>>> highlights;
  if (!m.highlights.empty()) {
    std::vector<flatbuffers::Offset<sito::wire::Highlight>> hs;
    hs.reserve(m.highlights.size());
    for (const auto& h : m.highlights) {
      auto field = opt_string(b, h.field);
      auto term = opt_string(b, h.term);
      hs.push_back(sito::wire::CreateHighlight(b, field, h.start, h.end, term));
    }
    highlights = b.CreateVector(hs);
  }
  auto tags = opt_strings(b, m.tags);
  auto sentiment_source = opt_string(b, m.sentiment_source);
  auto duplicate_of = opt_string(b, m.duplicate_of);
  auto person_id = opt_string(b, m.person_id);
  sito::wire::MentionBuilder mb(b);
  mb.add_sentiment(static_cast<sito::wire::Sentiment>(m.sentiment));
  mb.add_sentiment_source(sentiment_source);
  mb.add_priority(m.priority);
  mb.add_processed(m.processed);
  mb.add_wom(m.wom);
  mb.add_offset(m.offset);
  mb.add_tags(tags);
  mb.add_tenant(tenant);
  mb.add_topic(topic);
  mb.add_post_offset(m.post_offset);
  mb.add_post(wp);
  mb.add_backfill(m.backfill);
  mb.add_from_image(m.from_image);
  mb.add_highlights(highlights);
  mb.add_ingested_at_ms(m.ingested_at_ms);
  mb.add_matched_at_ms(m.matched_at_ms);
  mb.add_snapshot_version(m.snapshot_version);
  mb.add_duplicate_of(duplicate_of);
  mb.add_duplicates(m.duplicates);
  mb.add_person_id(person_id);
  if (!history.IsNull()) mb.add_history(history);
  return mb.Finish();
}

void annotate_mention(mention_record& r, const scan_output& out, const scan_output::match& m,
                      const ruleset_snapshot& snap) {
  const compiled_topic& t = snap.topics[m.topic];
  r.tenant = t.tenant;
  r.topic = t.id;
  for (const auto& h : out.highlights_of(m))
    r.highlights.push_back({query::to_string(h.field), h.begin, h.end, std::string(snap.label(h.label))});
  for (uint32_t tag : out.tags_of(m)) r.tags.push_back(std::string(snap.label(tag)));
  r.sentiment = static_cast<uint8_t>(m.sentiment);
  r.sentiment_source = m.sentiment_rule == scan_output::no_label ? "model" : std::string(snap.label(m.sentiment_rule));
  r.priority = m.priority;
  r.processed = m.processed;
  r.wom = m.wom;
}

flatbuffers::Offset<sito::wire::Alert> alert_to_wire(flatbuffers::FlatBufferBuilder& b, const stream_alert& a) {
  auto tenant = b.CreateString(a.tenant);
  auto topic = b.CreateString(a.topic);
  auto tag = b.CreateString(a.tag);
  auto first_post = opt_string(b, a.first_post);
  return sito::wire::CreateAlert(b, a.id, tenant, topic, tag, a.at_ms, a.count, a.baseline, a.threshold,
                                 a.kind == alert_kind::campaign ? sito::wire::AlertKind::Campaign
                                                                : sito::wire::AlertKind::Spike,
                                 first_post, a.authors);
}

stream_alert alert_from_wire(const sito::wire::Alert& w) {
  stream_alert a;
  a.id = w.id();
  a.tenant = str(w.tenant());
  a.topic = str(w.topic());
  a.tag = str(w.tag());
  a.at_ms = w.at_ms();
  a.count = w.count();
  a.baseline = w.baseline();
  a.threshold = w.threshold();
  a.kind = w.kind() == sito::wire::AlertKind::Campaign ? alert_kind::campaign : alert_kind::spike;
  a.first_post = str(w.first_post());
  a.authors = w.authors();
  return a;
}

std::vector<uint8_t> encode_stored_mention(const mention_record& m) {
  flatbuffers::FlatBufferBuilder b(256);
  auto wm = mention_to_wire(b, m, nullptr);
  auto root = sito::store::CreateStoredMention(b, wm);
  // store.fbs's root_type is StoredPost, so a StoredMention has no identifier.
  b.Finish(root);
  return release(b);
}

result<mention_record> decode_stored_mention(std::span<const uint8_t> bytes) {
  if (!fits_verifier(bytes)) return invalid_argument("stored mention: " + std::to_string(bytes.size()) + " bytes");
  std::vector<uint8_t> storage;
  bytes = aligned(bytes, storage);
  flatbuffers::Verifier v(bytes.data(), bytes.size(), store_verifier_options());
  if (!v.VerifyBuffer<sito::store::StoredMention>(nullptr)) {
    return invalid_argument("stored mention failed FlatBuffers verification");
  }
  const auto* root = flatbuffers::GetRoot<sito::store::StoredMention>(bytes.data());
  if (!root->mention()) return invalid_argument("stored mention has no mention");
  return mention_from_wire(*root->mention());
}

std::vector<uint8_t> encode_stored_post(const post& p, uint64_t offset, int64_t ingested_at_ms,
                                        const std::string& producer_tenant, std::optional<uint64_t> replaces) {
  size_t image_bytes = 0;
  for (const auto& img : p.images) image_bytes += img.data.size() + 64;
  flatbuffers::FlatBufferBuilder b(512 + p.text.size() + p.title.size() + p.image_text.size() + image_bytes);
  auto tenant = opt_string(b, producer_tenant);
  auto wp = post_to_wire(b, p);
  auto root = sito::store::CreateStoredPost(b, offset, ingested_at_ms, tenant, wp, replaces);
  sito::store::FinishStoredPostBuffer(b, root);
  return release(b);
}

result<stored_post> decode_stored_post(std::span<const uint8_t> bytes) {
  if (!fits_verifier(bytes)) return invalid_argument("stored post: " + std::to_string(bytes.size()) + " bytes");
  std::vector<uint8_t> storage;
  bytes = aligned(bytes, storage);
  flatbuffers::Verifier v(bytes.data(), bytes.size(), store_verifier_options());
  if (!sito::store::VerifyStoredPostBuffer(v)) return invalid_argument("stored post failed FlatBuffers verification");
  const auto* root = sito::store::GetStoredPost(bytes.data());
  if (!root->post()) return invalid_argument("stored post has no post");
  stored_post out;
  out.offset = root->offset();
  out.ingested_at_ms = root->ingested_at_ms();
  out.producer_tenant = str(root->producer_tenant());
  out.p = post_from_wire(*root->post());
  out.replaces = root->replaces();
  return out;
}

}  // namespace sito::server
