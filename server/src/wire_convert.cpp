// File: wire_convert.cpp
//
// Engine model <-> FlatBuffers wire (sito.fbs) and storage (store.fbs) tables.
#include "sito/server/wire_convert.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include "sito/schemas/store_generated.h"

namespace sito::server {
namespace {

/// A post's image_count travels as that many Image entries; they all point at
/// one shared empty table. The cap keeps a bogus count (e.g. from JSON) from
/// building a giant buffer.
constexpr uint32_t k_max_wire_images = 65'535;

/// Verifier limits for records the server itself wrote.
constexpr flatbuffers::uoffset_t k_store_max_depth = 32;
constexpr flatbuffers::uoffset_t k_store_max_tables = 1'000'000;

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

/// Absent rather than empty: the reader maps both to "".
flatbuffers::Offset<flatbuffers::String> opt_string(flatbuffers::FlatBufferBuilder& b, const std::string& s) {
  return s.empty() ? flatbuffers::Offset<flatbuffers::String>() : b.CreateString(s);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> opt_strings(
    flatbuffers::FlatBufferBuilder& b, const std::vector<std::string>& v) {
  if (v.empty()) return 0;
  return b.CreateVectorOfStrings(v);
}

std::vector<std::string> strings(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v) {
  std::vector<std::string> out;
  if (!v) return out;
  out.reserve(v->size());
  for (const auto* s : *v) out.push_back(str(s));
  return out;
}

bool author_is_empty(const author_info& a) {
  return a.id.empty() && a.handle.empty() && a.name.empty() && !a.followers && !a.verified && a.gender.empty() &&
         !a.age && a.country.empty() && a.city.empty();
}

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

post post_from_wire(const sito::wire::Post& w) {
  post p;
  p.id = str(w.id());
  p.source = str(w.source());
  p.source_type = str(w.source_type());
  p.channel = str(w.channel());
  p.place = str(w.place());
  p.url = str(w.url());
  if (const auto* a = w.author()) {
    p.author.id = str(a->id());
    p.author.handle = str(a->handle());
    p.author.name = str(a->name());
    if (a->followers() != -1) p.author.followers = a->followers();
    p.author.verified = a->verified();
    p.author.gender = str(a->gender());
    if (a->age() != -1) p.author.age = a->age();
    p.author.country = str(a->country());
    p.author.city = str(a->city());
  }
  p.published_at = w.published_at();
  p.lang = str(w.lang());
  p.title = str(w.title());
  p.text = str(w.text());
  p.image_count = w.images() ? w.images()->size() : 0;
  if (const auto* imgs = w.images()) {
    for (const auto* img : *imgs) {
      if (!img || !img->data() || img->data()->size() == 0) continue;  // a placeholder: counted only
      p.images.push_back({str(img->mime()), std::vector<uint8_t>(img->data()->begin(), img->data()->end())});
    }
  }
  p.image_text = str(w.image_text());
  p.parent_id = str(w.parent_id());
  p.is_repost = w.is_repost();
  p.reach = w.reach();
  p.engagement = w.engagement();
  p.unknown_fields = w.unknown_fields();
  return p;
}

flatbuffers::Offset<sito::wire::Post> post_to_wire(flatbuffers::FlatBufferBuilder& b, const post& p,
                                                   bool with_image_bytes) {
  // Children first: a table cannot be built while another is open.
  auto id = opt_string(b, p.id);
  auto source = opt_string(b, p.source);
  auto source_type = opt_string(b, p.source_type);
  auto channel = opt_string(b, p.channel);
  auto place = opt_string(b, p.place);
  auto url = opt_string(b, p.url);
  flatbuffers::Offset<sito::wire::Author> author;
  if (!author_is_empty(p.author)) {
    const auto& a = p.author;
    auto aid = opt_string(b, a.id);
    auto handle = opt_string(b, a.handle);
    auto name = opt_string(b, a.name);
    auto gender = opt_string(b, a.gender);
    auto country = opt_string(b, a.country);
    auto city = opt_string(b, a.city);
    author = sito::wire::CreateAuthor(b, aid, handle, name, a.followers.value_or(-1), a.verified, gender,
                                      a.age.value_or(-1), country, city);
  }
  auto lang = opt_string(b, p.lang);
  auto title = opt_string(b, p.title);
  auto text = opt_string(b, p.text);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<sito::wire::Image>>> images;
  const uint32_t count = std::max<uint32_t>(p.image_count, static_cast<uint32_t>(p.images.size()));
  if (count > 0) {
    std::vector<flatbuffers::Offset<sito::wire::Image>> refs;
    refs.reserve(std::min(count, k_max_wire_images));
    if (with_image_bytes)
      for (const auto& img : p.images) {
        auto data = b.CreateVector(img.data);
        auto mime = opt_string(b, img.mime);
        refs.push_back(sito::wire::CreateImage(b, data, mime));
      }
    if (refs.size() < count) {
      auto empty = sito::wire::CreateImage(b);
      refs.resize(std::min(count, k_max_wire_images), empty);
    }
    images = b.CreateVector(refs);
  }
  auto image_text = opt_string(b, p.image_text);
  auto parent_id = opt_string(b, p.parent_id);
  return sito::wire::CreatePost(b, id, source, source_type, channel, place, url, author, p.published_at, lang, title,
                                text, images, image_text, parent_id, p.is_repost, p.reach, p.engagement,
                                p.unknown_fields);
}

topic_spec topic_from_wire(const sito::wire::Topic& t, const std::string& tenant) {
  topic_spec s;
  s.tenant = tenant;
  s.id = str(t.id());
  s.name = str(t.name());
  s.query = str(t.query());
  s.channels = strings(t.channels());
  s.own_accounts = strings(t.own_accounts());
  if (const auto* tags = t.tags())
    for (const auto* tg : *tags)
      if (tg) s.tags.push_back({str(tg->path()), str(tg->query())});
  if (const auto* rules = t.rules())
    for (const auto* r : *rules) {
      if (!r) continue;
      rule_spec rule;
      rule.name = str(r->name());
      rule.when = str(r->when());
      rule.then.add_tags = strings(r->add_tags());
      rule.then.sentiment = str(r->sentiment());
      if (r->priority() >= 0) rule.then.priority = r->priority();
      rule.then.processed = r->processed();
      rule.then.drop = r->drop();
      s.rules.push_back(std::move(rule));
    }
  s.nps = {str(t.nps_promoters()), str(t.nps_passives()), str(t.nps_detractors())};
  return s;
}

flatbuffers::Offset<sito::wire::Topic> topic_to_wire(flatbuffers::FlatBufferBuilder& b, const topic_spec& t) {
  auto id = opt_string(b, t.id);
  auto name = opt_string(b, t.name);
  auto query = opt_string(b, t.query);
  auto channels = opt_strings(b, t.channels);
  auto own = opt_strings(b, t.own_accounts);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<sito::wire::TagRule>>> tags;
  if (!t.tags.empty()) {
    std::vector<flatbuffers::Offset<sito::wire::TagRule>> ts;
    for (const auto& tg : t.tags) ts.push_back(sito::wire::CreateTagRule(b, opt_string(b, tg.path), opt_string(b, tg.query)));
    tags = b.CreateVector(ts);
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<sito::wire::Rule>>> rules;
  if (!t.rules.empty()) {
    std::vector<flatbuffers::Offset<sito::wire::Rule>> rs;
    for (const auto& r : t.rules)
      rs.push_back(sito::wire::CreateRule(b, opt_string(b, r.name), opt_string(b, r.when), opt_strings(b, r.then.add_tags),
                                          opt_string(b, r.then.sentiment),
                                          r.then.priority ? static_cast<float>(*r.then.priority) : -1.f,
                                          r.then.processed, r.then.drop));
    rules = b.CreateVector(rs);
  }
  auto promoters = opt_string(b, t.nps.promoters);
  auto passives = opt_string(b, t.nps.passives);
  auto detractors = opt_string(b, t.nps.detractors);
  return sito::wire::CreateTopic(b, id, name, query, channels, own, tags, rules, promoters, passives, detractors);
}

flatbuffers::Offset<sito::wire::Mention> mention_to_wire(flatbuffers::FlatBufferBuilder& b, const mention_record& m,
                                                         const post* p) {
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

flatbuffers::Offset<sito::wire::Alert> alert_to_wire(flatbuffers::FlatBufferBuilder& b, const spike_alert& a) {
  auto tenant = b.CreateString(a.tenant);
  auto topic = b.CreateString(a.topic);
  auto tag = b.CreateString(a.tag);
  return sito::wire::CreateAlert(b, a.id, tenant, topic, tag, a.at_ms, a.count, a.baseline, a.threshold);
}

spike_alert alert_from_wire(const sito::wire::Alert& w) {
  spike_alert a;
  a.id = w.id();
  a.tenant = str(w.tenant());
  a.topic = str(w.topic());
  a.tag = str(w.tag());
  a.at_ms = w.at_ms();
  a.count = w.count();
  a.baseline = w.baseline();
  a.threshold = w.threshold();
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
