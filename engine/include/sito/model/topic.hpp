// File: sito/model/topic.hpp
//
// A topic as analysts define it (DESIGN §2): a query, channels, own
// accounts, auto-tags and rules, and the tenant that owns it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sito/base/status.hpp"

namespace sito {

/// An auto-tag of a topic (DESIGN §2): the path is set on a mention of the
/// topic when the condition holds. The condition is a query in the same
/// language — terms, metadata filters (`type:review`, `followers:>=1000`)
/// or both — evaluated only for posts that matched the topic, and/or, for a
/// semantic tag (issue 12, sito/enrich/semantic_tags.hpp), examples: the
/// nearest of the examples and counter-examples to the post must be an
/// example, at least min_similarity close. With both, both must hold.
struct tag_spec {
  std::string path;   ///< e.g. "Тачпоинт/Сервис/Доставка"
  std::string query;  ///< may be purely negative or filter-only; empty for a semantic tag alone
  std::vector<std::string> examples;          ///< phrases that should get the tag
  std::vector<std::string> counter_examples;  ///< close phrases that should not
  float min_similarity = -1;  ///< < 0: the default (enrich::default_min_similarity)

  bool semantic() const { return !examples.empty() || !counter_examples.empty(); }
};

/// What a rule does when its condition holds (DESIGN §2 "then").
struct rule_action {
  std::vector<std::string> add_tags;  ///< tag paths added to the mention
  std::string sentiment;              ///< "negative", "neutral", "positive" or empty (leave as is)
  std::optional<double> priority;     ///< replaces the computed priority (0..100)
  bool processed = false;             ///< mark the mention processed
  bool drop = false;                  ///< discard the mention; later rules do not run
};

/// One rule of a topic's ordered list (DESIGN §2 "when → then").
///
/// Order: a mention first gets its built-in sentiment, WOM flag and auto-tags;
/// then the rules run top to bottom, once each. A rule's condition sees the
/// mention as the rules above left it: their added tags (`tag:`), sentiment
/// (`sentiment:`) and processed mark (`is:processed`). `is:duplicate` (the
/// post is a near-duplicate of an earlier post of the stream; sitod and
/// `sito match` decide it once per post before any tag or rule runs) holds
/// for tags and rules alike. When several rules set sentiment or priority the
/// last one wins; `drop` stops the list.
struct rule_spec {
  std::string name;  ///< shown as the sentiment source ("rule:<name>") and in explain
  std::string when;  ///< query over the post and the mention; empty: always
  rule_action then;
};

/// The tag paths whose mentions count as promoters, passives and detractors
/// in the topic's NPS (sitod's period measures). Empty: the convention
/// `NPS/Промоутер`, `NPS/Пассив`, `NPS/Критик` (period_stats.hpp).
struct nps_spec {
  std::string promoters, passives, detractors;
  bool empty() const { return promoters.empty() && passives.empty() && detractors.empty(); }
};

struct topic_spec {
  std::string tenant;
  std::string id;
  std::string name;
  std::string query;                  ///< DESIGN §3; may be empty when channels are given
  std::vector<std::string> channels;  ///< every post from these channels belongs to the topic
  std::vector<std::string> own_accounts;
  std::vector<tag_spec> tags;
  std::vector<rule_spec> rules;
  nps_spec nps;
};

/// A tenant's file: its topics and an optional extension of the built-in
/// sentiment lexicon (sito/rules/sentiment_lexicon.hpp format).
struct tenant_file {
  std::string tenant;                  ///< the file's `tenant:` (default "default")
  std::vector<topic_spec> topics;
  std::string sentiment_lexicon;       ///< lexicon text; empty when none
}; 

/// Loads topics from a YAML or JSON file (chosen by extension: .yaml/.yml or
/// .json). Layout:
///   tenant: acme            # default tenant for the topics below
///   topics:
///     - id: brand
///       name: Brand
///       query: 'flowwow OR фловвов'
///       channels: [otzovik:flowwow]
///       tags:
///         - {path: "Субъект/Курьер", query: 'курьер*'}
///         - {path: "Источник/Отзывы", query: 'type:review'}
///         - path: "Тачпоинт/Доставка/Опоздание"      # a semantic tag (issue 12)
///           examples: ["курьер опоздал на два часа", "заказ привезли с опозданием"]
///           counter_examples: ["курьер приехал вовремя"]
///           min_similarity: 0.3                      # optional
///       rules:
///         - name: fraud
///           when: 'мошенник* OR "оплату на карту"'
///           then: {add_tags: ["Риск/Мошенничество"], sentiment: negative, priority: 95}
///         - {name: our-answers, when: 'is:own', then: {processed: true}}
///       nps: {promoters: "Опрос/Рекомендует", passives: "Опрос/Нейтрально", detractors: "Опрос/Не рекомендует"}
///   sentiment_lexicon: |      # optional, extends the built-in lexicon for this tenant
///     neg треш 2
/// JSON uses the same shape. Errors name the file and the entry.
result<std::vector<topic_spec>> load_topics_file(const std::string& path);

/// One tag definition as a topic file writes it, in YAML or JSON flow form:
/// `{path: "Доставка/Опоздание", examples: ["курьер опоздал"], min_similarity: 0.3}`
/// (sito validate --as tag, the playground). Errors say which key and why.
result<tag_spec> parse_tag_definition(std::string_view text);

/// The same file with its tenant-level settings.
result<tenant_file> load_tenant_file(const std::string& path);

/// A topics file's text (YAML or JSON); `path` names it in errors, whose
/// messages all start with it.
result<tenant_file> parse_tenant_file(const std::string& text, const std::string& path);

}  // namespace sito
