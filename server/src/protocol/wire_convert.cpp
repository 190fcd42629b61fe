// File: protocol/wire_convert.cpp
//
// Engine model <-> FlatBuffers wire tables (sito.fbs).
#include "sito/protocol/wire_convert.hpp"

#include <algorithm>
#include <cstdint>

namespace sito::protocol {
namespace {

/// A post's image_count travels as that many Image entries; they all point at
/// one shared empty table. The cap keeps a bogus count (e.g. from JSON) from
/// building a giant buffer.
constexpr uint32_t k_max_wire_images = 65'535;

bool author_is_empty(const author_info& a) {
  return a.id.empty() && a.handle.empty() && a.name.empty() && !a.followers && !a.verified && a.gender.empty() &&
         !a.age && a.country.empty() && a.city.empty() && a.links.empty();
}

}  // namespace

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
    p.author.links = strings(a->links());
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
    auto links = opt_strings(b, a.links);
    author = sito::wire::CreateAuthor(b, aid, handle, name, a.followers.value_or(-1), a.verified, gender,
                                      a.age.value_or(-1), country, city, links);
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
      if (tg)
        s.tags.push_back({str(tg->path()), str(tg->query()), strings(tg->examples()), strings(tg->counter_examples()),
                          tg->min_similarity()});
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
    for (const auto& tg : t.tags)
      ts.push_back(sito::wire::CreateTagRule(b, opt_string(b, tg.path), opt_string(b, tg.query),
                                             opt_strings(b, tg.examples), opt_strings(b, tg.counter_examples),
                                             tg.min_similarity));
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

}  // namespace sito::protocol
