// File: sito/protocol/mention_json.hpp
//
// The one JSON form of a delivered mention and of an alert: what `sito
// subscribe` prints, one object per line, and what sitod's webhook
// connectors POST, as an array (README "Connectors").
//
//   std::cout << sito::protocol::mention_json(m, m.p).dump() << "\n";      // client::mention
//   body.push_back(sito::protocol::mention_json(record, post));            // server::mention_record
//
// A template over the mention type: the client's `client::mention` and the
// server's `mention_record` carry the same fields under the same names
// (offset, tenant, topic, tags, backfill, sentiment, sentiment_source,
// priority, processed, wom, from_image, highlights, snapshot_version,
// ingested_at_ms, matched_at_ms, duplicate_of, duplicates), and neither
// library links the other. Header-only, pure functions: any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <string_view>

#include "sito/model/post.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::protocol {

/// {"offset", "post_id", "tenant", "topic", "tags", "backfill", "sentiment",
///  "sentiment_source", "priority" (one decimal), "processed", "wom",
///  "from_image", "highlights": [{"field","start","end","term"}],
///  "snapshot_version", "ingested_at_ms", "matched_at_ms", "post": {...}}
/// and, on a near-duplicate only, "duplicate_of" and "duplicates"; when the
/// post has an author, "person_id" (README "One author across platforms");
/// a client mention delivered with its person's history (Subscribe.history),
/// "history": [mention, ...], newest first.
template <class Mention>
nlohmann::json mention_json(const Mention& m, const post& p) {
  using json = nlohmann::json;
  json hl = json::array();
  for (const auto& h : m.highlights) hl.push_back({{"field", h.field}, {"start", h.start}, {"end", h.end}, {"term", h.term}});
  json j{{"offset", m.offset},
         {"post_id", p.id},
         {"tenant", m.tenant},
         {"topic", m.topic},
         {"tags", m.tags},
         {"backfill", m.backfill},
         {"sentiment", rules::to_string(static_cast<rules::sentiment>(m.sentiment))},
         {"sentiment_source", m.sentiment_source},
         {"priority", std::round(static_cast<double>(m.priority) * 10) / 10},
         {"processed", m.processed},
         {"wom", m.wom},
         {"from_image", m.from_image},
         {"highlights", hl},
         {"snapshot_version", m.snapshot_version},
         {"ingested_at_ms", m.ingested_at_ms},
         {"matched_at_ms", m.matched_at_ms},
         {"post", json::parse(post_to_json(p), nullptr, false)}};
  // As `sito match` prints them: only on a near-duplicate.
  if (!m.duplicate_of.empty()) {
    j["duplicate_of"] = m.duplicate_of;
    j["duplicates"] = m.duplicates;
  }
  if (!m.person_id.empty()) j["person_id"] = m.person_id;
  if constexpr (requires { m.history; }) {
    if (!m.history.empty()) {
      json h = json::array();
      for (const auto& e : m.history) h.push_back(mention_json(e, e.p));
      j["history"] = std::move(h);
    }
  }
  return j;
}

/// {"alert": {"id","kind","tenant","topic","tag","at_ms","count","baseline",
/// "threshold"}} and, for a campaign, "first_post" and "authors". `kind` is
/// "spike" or "campaign" (the client keeps it as text, the server as an enum).
template <class Alert>
nlohmann::json alert_json(const Alert& a, std::string_view kind) {
  nlohmann::json j{{"id", a.id},       {"kind", kind},     {"tenant", a.tenant}, {"topic", a.topic},
                   {"tag", a.tag},     {"at_ms", a.at_ms}, {"count", a.count},   {"baseline", a.baseline},
                   {"threshold", a.threshold}};
  if (kind == "campaign") {
    j["first_post"] = a.first_post;
    j["authors"] = a.authors;
  }
  return nlohmann::json{{"alert", j}};
}

}  // namespace sito::protocol
