// File: sito/server/connector_config.hpp
//
// A tenant's connectors (DESIGN §9, README "Connectors"): where sitod
// delivers the tenant's filtered mentions and alerts by itself — an HTTP(S)
// webhook (a JSON array of mentions), a Telegram chat (Bot API sendMessage)
// or a Slack-compatible incoming webhook.
//
//   tenants:
//     - name: flowwow-demo
//       connectors:
//         - {name: negative-to-telegram, kind: telegram, chat_id: "-100123",
//            bot_token_file: /etc/sitod/bot.token, filter: 'sentiment:negative', alerts: true}
//         - {name: crm, kind: webhook, url: "https://crm.example/hooks/sito",
//            header_file: /etc/sitod/crm.header, filter: 'tag:"Эскалация"', batch: 50, flush_ms: 1000}
//
// Keys (connector_config.cpp checks them; an unknown key or a bad value is an
// error naming tenants[i].connectors[j].KEY):
//   name        unique within the tenant; the durable offset is kept under it
//   kind        webhook | telegram | slack
//   filter      a mention condition in the language of a rule's `when`
//               (sentiment:, tag:, is:processed, is:wom, is:duplicate and the
//               post's metadata filters, with AND, OR, NOT); empty: every mention
//   topics      optional list of topic ids (empty: all)
//   alerts      true: the tenant's spike and campaign alerts go there too
//   url | url_file | url_env          webhook and slack (a Slack URL is a secret)
//   headers     {Name: value} sent with every webhook request (not secret)
//   header_file | header_env          secret headers: "Name: value" lines
//   chat_id, bot_token_file | bot_token_env, api_base (https://api.telegram.org)
//   batch, flush_ms                   webhook: mentions per POST, and how long
//                                     a partial batch may wait for more
//   rate        {messages: N, seconds: S}: at most N messages per S seconds
//               (telegram: 1/1 s for a user chat, 20/60 s for a group — a
//               chat_id starting with '-'; slack: 1/1 s; webhook: none);
//               mentions over it are summed up in one digest message
//   link        an URL the digest message points to (a dashboard)
//   backoff     {initial_ms: 500, max_ms: 60000}: retries, doubled, with jitter
//   timeout_ms  one request, connect to last byte (10000)
//
// Secrets (the bot token, secret headers, url_file/url_env) are read when
// the config is loaded and never logged nor put into an error message.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sito::server {

enum class connector_kind : uint8_t {
  webhook,   ///< POST of a JSON array of mentions (sito/protocol/mention_json.hpp)
  telegram,  ///< Bot API sendMessage, one readable HTML message per mention
  slack,     ///< Slack-compatible incoming webhook: {"text": ...}, one per mention
};
const char* to_string(connector_kind k);  ///< "webhook", "telegram" or "slack"

struct connector_config {
  std::string name;
  connector_kind kind = connector_kind::webhook;
  std::string filter;               ///< as written; empty: every mention
  std::vector<std::string> topics;  ///< empty: every topic of the tenant
  bool alerts = false;
  std::string url;                  ///< webhook, slack (secret when from url_file/url_env)
  bool url_secret = false;          ///< the URL came from a file or the environment: never logged
  std::map<std::string, std::string> headers;         ///< sent as given; may be logged
  std::map<std::string, std::string> secret_headers;  ///< from header_file/header_env; never logged
  std::string chat_id;              ///< telegram
  std::string bot_token;            ///< telegram; never logged
  std::string api_base = "https://api.telegram.org";  ///< telegram
  uint32_t batch = 50;              ///< webhook: mentions per request, 1..10000
  uint32_t flush_ms = 1000;         ///< webhook: a partial batch waits at most this long
  uint32_t history = 0;             ///< webhook: with each mention, up to this many previous mentions of its person (0..100)
  uint32_t rate_messages = 0;       ///< 0: no rate limit
  uint32_t rate_seconds = 1;
  std::string link;                 ///< digest messages point here when set
  uint32_t backoff_initial_ms = 500;
  uint32_t backoff_max_ms = 60'000;
  uint32_t timeout_ms = 10'000;
  bool operator==(const connector_config&) const = default;
};

}  // namespace sito::server
