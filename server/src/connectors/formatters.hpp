// Private: what each connector kind sends (README "Connectors").
//
//   webhook   POST application/json: [mention, ...] in the form of `sito
//             subscribe` (sito/protocol/mention_json.hpp); alerts as
//             [{"alert": {...}}]
//   telegram  POST {api_base}/bot{token}/sendMessage with {"chat_id", "text",
//             "parse_mode": "HTML", "disable_web_page_preview": true}; the
//             text names the topic, tags, sentiment, priority and author,
//             quotes the post with its hit terms in <b>, and links the post
//   slack     POST {"text": ...} (mrkdwn: hit terms in *bold*, <url|link>)
//
// Every value taken from a post or a topic is escaped for the format it
// goes into (HTML for Telegram: & < > and quotes in attributes; Slack's
// & < >). Texts are cut to what the destination takes (Telegram: 4096
// characters a message), never inside a UTF-8 sequence or a mark.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sito/model/post.hpp"
#include "sito/server/connector_config.hpp"
#include "sito/server/stream_stats.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

/// A mention on its way out, with its post.
struct outgoing_mention {
  mention_record m;
  post p;
  /// A webhook's `history: N`: the person's previous mentions, newest first.
  std::vector<outgoing_mention> history;
};

/// What a digest sums up: the mentions a rate limit held back.
struct digest_summary {
  uint64_t count = 0;
  uint64_t negative = 0, neutral = 0, positive = 0;
  std::vector<std::pair<std::string, uint64_t>> topics;  ///< topic id → mentions, most first
  int64_t first_ms = 0, last_ms = 0;                      ///< matched_at of the first and last
};
digest_summary summarize(std::span<const outgoing_mention> mentions);

/// The webhook's body: a JSON array of mentions (each with "history" when it has one).
std::string webhook_body(std::span<const outgoing_mention> mentions);
/// The webhook's body for one alert: [{"alert": {...}}].
std::string webhook_alert_body(const stream_alert& a);

/// Escapes & < > " for Telegram's HTML parse mode.
std::string html_escape(std::string_view s);
/// The readable message of one mention (Telegram HTML).
std::string telegram_text(const mention_record& m, const post& p);
/// "12 more negative mentions in the last minute" and a breakdown (Telegram HTML).
std::string telegram_digest_text(const digest_summary& d, const std::string& link);
std::string telegram_alert_text(const stream_alert& a);
/// The sendMessage body for `text`.
std::string telegram_body(const std::string& chat_id, const std::string& text);

/// The same for a Slack-compatible incoming webhook (mrkdwn).
std::string slack_text(const mention_record& m, const post& p);
std::string slack_digest_text(const digest_summary& d, const std::string& link);
std::string slack_alert_text(const stream_alert& a);
/// {"text": text}
std::string slack_body(const std::string& text);

/// The digest's first line, format-neutral: "12 more negative mentions in
/// the last minute" (the sentiment word only when all share it).
std::string digest_headline(const digest_summary& d);

}  // namespace sito::server
