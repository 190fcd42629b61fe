#include "connectors/formatters.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "sito/protocol/mention_json.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::server {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// The longest prefix of `s` within `max` bytes that ends on a UTF-8 boundary.
size_t utf8_cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

/// The post's body (or its title when it has none) with the highlights of
/// that field wrapped by `open`/`close`, each piece escaped by `esc`, at
/// most `max_bytes` of the original text ("…" when cut).
template <class Escape>
std::string marked_text(const mention_record& m, const post& p, const std::string& open, const std::string& close,
                        Escape esc, size_t max_bytes) {
  const bool body = !p.text.empty();
  const std::string& text = body ? p.text : p.title;
  const std::string field = body ? "text" : "title";
  auto boundary = [&](uint32_t at) { return at >= text.size() || (static_cast<unsigned char>(text[at]) & 0xC0) != 0x80; };
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (const auto& h : m.highlights)  // a span that would split a character is left unmarked
    if (h.field == field && h.start < h.end && h.end <= text.size() && boundary(h.start) && boundary(h.end))
      spans.emplace_back(h.start, h.end);
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<uint32_t, uint32_t>> merged;  // overlapping or touching marks become one
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) merged.back().second = std::max(merged.back().second, s.second);
    else merged.push_back(s);
  }
  const size_t limit = utf8_cut(text, max_bytes);
  std::string out;
  size_t at = 0;
  for (const auto& [b, e] : merged) {
    if (b >= limit) break;
    out += esc(std::string_view(text).substr(at, b - at));
    const size_t end = std::min<size_t>(e, limit);
    out += open + esc(std::string_view(text).substr(b, end - b)) + close;
    at = end;
  }
  if (at < limit) out += esc(std::string_view(text).substr(at, limit - at));
  if (limit < text.size()) out += "…";
  return out;
}

std::string author_of(const post& p) {
  std::string a = p.author.name;
  if (!p.author.handle.empty()) a += (a.empty() ? "" : " ") + std::string(p.author.handle[0] == '@' ? "" : "@") + p.author.handle;
  if (a.empty()) a = p.author.id;
  if (!p.source.empty()) a += (a.empty() ? "" : ", ") + p.source;
  return a;
}

std::string tags_of(const mention_record& m) {
  std::string t;
  for (const auto& tag : m.tags) t += (t.empty() ? "" : ", ") + tag;
  return t.empty() ? "—" : t;
}

std::string priority_of(const mention_record& m) {
  return std::to_string(static_cast<int>(std::lround(static_cast<double>(m.priority))));
}

std::string slack_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out.push_back(c);
  }
  return out;
}

std::string period_words(int64_t ms) {
  if (ms <= 60'000) return "the last minute";
  const int64_t minutes = (ms + 59'999) / 60'000;
  if (minutes < 120) return "the last " + std::to_string(minutes) + " minutes";
  return "the last " + std::to_string((minutes + 59) / 60) + " hours";
}

constexpr size_t telegram_text_bytes = 3000;  // of the post: the message stays under Telegram's 4096 characters

}  // namespace

digest_summary summarize(std::span<const outgoing_mention> mentions) {
  digest_summary d;
  std::map<std::string, uint64_t> by_topic;
  for (const auto& o : mentions) {
    ++d.count;
    switch (static_cast<rules::sentiment>(o.m.sentiment)) {
      case rules::sentiment::negative: ++d.negative; break;
      case rules::sentiment::positive: ++d.positive; break;
      default: ++d.neutral; break;
    }
    ++by_topic[o.m.topic];
    if (d.first_ms == 0 || o.m.matched_at_ms < d.first_ms) d.first_ms = o.m.matched_at_ms;
    d.last_ms = std::max(d.last_ms, o.m.matched_at_ms);
  }
  d.topics.assign(by_topic.begin(), by_topic.end());
  std::stable_sort(d.topics.begin(), d.topics.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return d;
}

std::string digest_headline(const digest_summary& d) {
  std::string mood;
  if (d.negative == d.count) mood = "negative ";
  else if (d.positive == d.count) mood = "positive ";
  else if (d.neutral == d.count) mood = "neutral ";
  return std::to_string(d.count) + " more " + mood + (d.count == 1 ? "mention" : "mentions") + " in " +
         period_words(d.last_ms - d.first_ms);
}

std::string webhook_body(std::span<const outgoing_mention> mentions) {
  json a = json::array();
  for (const auto& o : mentions) {
    json j = protocol::mention_json(o.m, o.p);
    if (!o.history.empty()) {
      json h = json::array();
      for (const auto& e : o.history) h.push_back(protocol::mention_json(e.m, e.p));
      j["history"] = std::move(h);
    }
    a.push_back(std::move(j));
  }
  return dump(a);
}

std::string webhook_alert_body(const stream_alert& a) { return dump(json::array({protocol::alert_json(a, to_string(a.kind))})); }

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out.push_back(c);
  }
  return out;
}

std::string telegram_text(const mention_record& m, const post& p) {
  const char* mood = rules::to_string(static_cast<rules::sentiment>(m.sentiment));
  std::string t;
  t += "<b>Topic:</b> " + html_escape(m.topic) + "\n";
  t += "<b>Tags:</b> " + html_escape(tags_of(m)) + "\n";
  t += "<b>Sentiment:</b> " + std::string(mood) + "\n";
  t += "<b>Priority:</b> " + priority_of(m) + "\n";
  t += "<b>Author:</b> " + html_escape(author_of(p)) + "\n";
  t += "\n" + marked_text(m, p, "<b>", "</b>", [](std::string_view s) { return html_escape(s); }, telegram_text_bytes) + "\n";
  if (!p.url.empty()) t += "\n<a href=\"" + html_escape(p.url) + "\">Open the post</a>";
  return t;
}

std::string telegram_digest_text(const digest_summary& d, const std::string& link) {
  std::string t = "<b>" + html_escape(digest_headline(d)) + "</b>\n";
  t += "negative " + std::to_string(d.negative) + ", neutral " + std::to_string(d.neutral) + ", positive " +
       std::to_string(d.positive) + "\n";
  size_t shown = 0;
  for (const auto& [topic, n] : d.topics) {
    if (++shown > 10) break;
    t += html_escape(topic) + ": " + std::to_string(n) + "\n";
  }
  if (!link.empty()) t += "<a href=\"" + html_escape(link) + "\">See them all</a>";
  return t;
}

std::string telegram_alert_text(const stream_alert& a) {
  std::string t;
  if (a.kind == alert_kind::campaign) {
    t = "<b>Campaign:</b> " + html_escape(a.topic) + "\n" + std::to_string(a.authors) + " authors posted copies of " +
        html_escape(a.first_post) + " (" + std::to_string(a.count) + " mentions)";
  } else {
    t = "<b>Spike:</b> " + html_escape(a.topic) + (a.tag.empty() ? "" : " / " + html_escape(a.tag)) + "\n" +
        std::to_string(a.count) + " mentions in a minute (usually " + std::to_string(std::lround(a.baseline)) + ")";
  }
  return t;
}

std::string telegram_body(const std::string& chat_id, const std::string& text) {
  return dump(json{{"chat_id", chat_id}, {"text", text}, {"parse_mode", "HTML"}, {"disable_web_page_preview", true}});
}

std::string slack_text(const mention_record& m, const post& p) {
  const char* mood = rules::to_string(static_cast<rules::sentiment>(m.sentiment));
  std::string t = "*" + slack_escape(m.topic) + "* · " + mood + " · priority " + priority_of(m) + "\n";
  t += "Tags: " + slack_escape(tags_of(m)) + "\n";
  t += "Author: " + slack_escape(author_of(p)) + "\n";
  t += "> " + marked_text(m, p, "*", "*", [](std::string_view s) { return slack_escape(s); }, telegram_text_bytes) + "\n";
  if (!p.url.empty()) t += "<" + slack_escape(p.url) + "|Open the post>";
  return t;
}

std::string slack_digest_text(const digest_summary& d, const std::string& link) {
  std::string t = "*" + slack_escape(digest_headline(d)) + "*\n";
  for (const auto& [topic, n] : d.topics) t += slack_escape(topic) + ": " + std::to_string(n) + "\n";
  if (!link.empty()) t += "<" + slack_escape(link) + "|See them all>";
  return t;
}

std::string slack_alert_text(const stream_alert& a) {
  if (a.kind == alert_kind::campaign)
    return "*Campaign:* " + slack_escape(a.topic) + " — " + std::to_string(a.authors) + " authors posted copies of " +
           slack_escape(a.first_post);
  return "*Spike:* " + slack_escape(a.topic) + (a.tag.empty() ? "" : " / " + slack_escape(a.tag)) + " — " +
         std::to_string(a.count) + " mentions in a minute";
}

std::string slack_body(const std::string& text) { return dump(json{{"text", text}}); }

}  // namespace sito::server
