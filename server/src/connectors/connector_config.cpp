#include "connectors/connector_config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "connectors/http_client.hpp"
#include "connectors/mention_filter.hpp"
#include "sito/base/known_keys.hpp"

namespace sito::server {

const char* to_string(connector_kind k) {
  switch (k) {
    case connector_kind::webhook: return "webhook";
    case connector_kind::telegram: return "telegram";
    case connector_kind::slack: return "slack";
  }
  return "webhook";
}

namespace {

std::string trim(std::string s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

class reader {
 public:
  reader(const YAML::Node& n, std::string prefix) : n_(n), prefix_(std::move(prefix)) {}
  status fail(const std::string& key, const std::string& what) const { return invalid_argument(prefix_ + "." + key + ": " + what); }
  bool has(const char* key) const { return static_cast<bool>(n_[key]); }

  result<std::string> text(const char* key) const {
    const YAML::Node v = n_[key];
    if (!v.IsScalar()) return fail(key, "expected a string");
    return v.Scalar();
  }
  result<bool> flag(const char* key) const {
    const YAML::Node v = n_[key];
    if (!v.IsScalar()) return fail(key, "expected true or false");
    try {
      return v.as<bool>();
    } catch (const YAML::Exception&) {
      return fail(key, "expected true or false, got '" + v.Scalar() + "'");
    }
  }
  result<uint32_t> number(const YAML::Node& v, const std::string& key, uint32_t lo, uint32_t hi) const {
    int64_t x = 0;
    bool ok = v.IsScalar();
    if (ok) {
      try {
        x = v.as<int64_t>();
      } catch (const YAML::Exception&) {
        ok = false;
      }
    }
    if (!ok || x < lo || x > hi)
      return fail(key, "expected a whole number " + std::to_string(lo) + ".." + std::to_string(hi) +
                           (v.IsScalar() ? ", got '" + v.Scalar() + "'" : ""));
    return static_cast<uint32_t>(x);
  }
  result<uint32_t> number(const char* key, uint32_t lo, uint32_t hi) const { return number(n_[key], key, lo, hi); }
  /// A secret from `file_key` (the file's contents, trimmed) or `env_key`
  /// (the variable's value); empty when neither key is given.
  result<std::string> secret(const char* file_key, const char* env_key) const {
    if (has(file_key) && has(env_key)) return fail(file_key, std::string("give either ") + file_key + " or " + env_key);
    if (has(file_key)) {
      SITO_ASSIGN_OR_RETURN(const std::string path, text(file_key));
      std::ifstream in(path, std::ios::binary);
      if (!in) return fail(file_key, "cannot read '" + path + "'");
      std::ostringstream ss;
      ss << in.rdbuf();
      std::string v = trim(ss.str());
      if (v.empty()) return fail(file_key, "'" + path + "' is empty");
      return v;
    }
    if (has(env_key)) {
      SITO_ASSIGN_OR_RETURN(const std::string var, text(env_key));
      const char* v = std::getenv(var.c_str());
      if (!v || trim(v).empty()) return fail(env_key, "the environment variable '" + var + "' is not set");
      return trim(v);
    }
    return std::string();
  }
  const YAML::Node& node() const { return n_; }

 private:
  const YAML::Node& n_;
  std::string prefix_;
};

/// "Name: value" lines (blank lines and # comments skipped) into `out`.
status parse_header_lines(const std::string& text, const reader& r, const char* key,
                          std::map<std::string, std::string>& out) {
  std::istringstream in(text);
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(':');
    // The message names the line, not its contents: the value is the secret.
    if (colon == std::string::npos || colon == 0)
      return r.fail(key, "line " + std::to_string(no) + ": expected 'Name: value'");
    const std::string name = trim(line.substr(0, colon));
    for (char c : name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
        return r.fail(key, "line " + std::to_string(no) + ": a header name has letters, digits, '-' and '_' only");
    out[name] = trim(line.substr(colon + 1));
  }
  if (out.empty()) return r.fail(key, "no 'Name: value' line");
  return ok_status();
}

}  // namespace

result<connector_config> parse_connector(const YAML::Node& n, const std::string& origin, const std::string& where) {
  const std::string prefix = origin + ": " + where;
  if (!n.IsMap()) return invalid_argument(prefix + ": expected a map with name, kind and the kind's keys");
  SITO_RETURN_IF_ERROR(check_known_keys(n,
                                        {"name", "kind", "filter", "topics", "alerts", "url", "url_file", "url_env",
                                         "headers", "header_file", "header_env", "chat_id", "bot_token_file",
                                         "bot_token_env", "api_base", "batch", "flush_ms", "rate", "link", "backoff",
                                         "timeout_ms", "history"},
                                        origin, where));
  const reader r(n, prefix);
  connector_config c;
  if (!r.has("name")) return invalid_argument(prefix + ": missing 'name'");
  SITO_ASSIGN_OR_RETURN(c.name, r.text("name"));
  if (c.name.empty() || c.name.size() > 128) return r.fail("name", "expected 1..128 characters");
  for (char ch : c.name)
    if (static_cast<unsigned char>(ch) < 0x20) return r.fail("name", "control characters are not allowed");
  if (!r.has("kind")) return invalid_argument(prefix + ": missing 'kind' (webhook, telegram or slack)");
  SITO_ASSIGN_OR_RETURN(const std::string kind, r.text("kind"));
  if (kind == "webhook") c.kind = connector_kind::webhook;
  else if (kind == "telegram") c.kind = connector_kind::telegram;
  else if (kind == "slack") c.kind = connector_kind::slack;
  else return r.fail("kind", "expected webhook, telegram or slack, got '" + kind + "'");

  if (r.has("filter")) {
    SITO_ASSIGN_OR_RETURN(c.filter, r.text("filter"));
    auto f = mention_filter::compile(c.filter);
    if (!f.ok()) return r.fail("filter", f.error().message());
  }
  if (const YAML::Node t = n["topics"]) {
    if (!t.IsSequence()) return r.fail("topics", "expected a list of topic ids");
    for (const auto& id : t) {
      if (!id.IsScalar() || id.Scalar().empty()) return r.fail("topics", "expected a list of topic ids");
      c.topics.push_back(id.Scalar());
    }
  }
  if (r.has("alerts")) {
    SITO_ASSIGN_OR_RETURN(c.alerts, r.flag("alerts"));
  }
  if (r.has("link")) {
    SITO_ASSIGN_OR_RETURN(c.link, r.text("link"));
  }
  if (r.has("timeout_ms")) {
    SITO_ASSIGN_OR_RETURN(c.timeout_ms, r.number("timeout_ms", 100, 600'000));
  }
  if (const YAML::Node b = n["backoff"]) {
    if (!b.IsMap()) return r.fail("backoff", "expected {initial_ms: 500, max_ms: 60000}");
    SITO_RETURN_IF_ERROR(check_known_keys(b, {"initial_ms", "max_ms"}, origin, where + ".backoff"));
    if (b["initial_ms"]) {
      SITO_ASSIGN_OR_RETURN(c.backoff_initial_ms, r.number(b["initial_ms"], "backoff.initial_ms", 1, 3'600'000));
    }
    if (b["max_ms"]) {
      SITO_ASSIGN_OR_RETURN(c.backoff_max_ms, r.number(b["max_ms"], "backoff.max_ms", 1, 86'400'000));
    }
    if (c.backoff_max_ms < c.backoff_initial_ms) return r.fail("backoff.max_ms", "must be at least initial_ms");
  }

  const bool takes_url = c.kind != connector_kind::telegram;
  for (const char* k : {"url", "url_file", "url_env", "headers", "header_file", "header_env", "batch", "flush_ms", "history"}) {
    const std::string key = k;
    const bool url_key = key.rfind("url", 0) == 0;
    const bool webhook_only = !url_key;
    if (r.has(k) && (url_key ? !takes_url : (webhook_only && c.kind != connector_kind::webhook)))
      return r.fail(key, "not a key of a " + std::string(to_string(c.kind)) + " connector");
  }
  for (const char* k : {"chat_id", "bot_token_file", "bot_token_env", "api_base"})
    if (r.has(k) && c.kind != connector_kind::telegram)
      return r.fail(k, "not a key of a " + std::string(to_string(c.kind)) + " connector");

  if (takes_url) {
    const int given = r.has("url") + r.has("url_file") + r.has("url_env");
    if (given != 1) return invalid_argument(prefix + ": give exactly one of 'url', 'url_file' or 'url_env'");
    if (r.has("url")) {
      SITO_ASSIGN_OR_RETURN(c.url, r.text("url"));
    } else {
      SITO_ASSIGN_OR_RETURN(c.url, r.secret("url_file", "url_env"));
      c.url_secret = true;
    }
    const char* key = r.has("url") ? "url" : r.has("url_file") ? "url_file" : "url_env";
    if (auto u = parse_http_url(c.url); !u.ok()) return r.fail(key, u.error().message());
  }
  if (c.kind == connector_kind::webhook) {
    if (const YAML::Node h = n["headers"]) {
      if (!h.IsMap()) return r.fail("headers", "expected {Name: value, ...}");
      for (const auto& kv : h) {
        if (!kv.second.IsScalar()) return r.fail("headers", "'" + kv.first.Scalar() + "' must have a string value");
        c.headers[kv.first.Scalar()] = kv.second.Scalar();
      }
    }
    SITO_ASSIGN_OR_RETURN(const std::string lines, r.secret("header_file", "header_env"));
    if (!lines.empty())
      SITO_RETURN_IF_ERROR(parse_header_lines(lines, r, r.has("header_file") ? "header_file" : "header_env", c.secret_headers));
    if (r.has("batch")) {
      SITO_ASSIGN_OR_RETURN(c.batch, r.number("batch", 1, 10'000));
    }
    if (r.has("flush_ms")) {
      SITO_ASSIGN_OR_RETURN(c.flush_ms, r.number("flush_ms", 0, 3'600'000));
    }
    if (r.has("history")) {
      SITO_ASSIGN_OR_RETURN(c.history, r.number("history", 0, 100));
    }
  }
  if (c.kind == connector_kind::telegram) {
    if (!r.has("chat_id")) return invalid_argument(prefix + ": missing 'chat_id' (a telegram connector)");
    SITO_ASSIGN_OR_RETURN(c.chat_id, r.text("chat_id"));
    if (c.chat_id.empty()) return r.fail("chat_id", "must not be empty");
    if (!r.has("bot_token_file") && !r.has("bot_token_env"))
      return invalid_argument(prefix + ": missing 'bot_token_file' or 'bot_token_env' (a telegram connector)");
    SITO_ASSIGN_OR_RETURN(c.bot_token, r.secret("bot_token_file", "bot_token_env"));
    for (char ch : c.bot_token)
      if (std::isspace(static_cast<unsigned char>(ch)) || ch == '/' || ch == '?' || ch == '#')
        return r.fail(r.has("bot_token_file") ? "bot_token_file" : "bot_token_env",
                      "the token has a character a URL path cannot carry");
    if (r.has("api_base")) {
      SITO_ASSIGN_OR_RETURN(c.api_base, r.text("api_base"));
      while (!c.api_base.empty() && c.api_base.back() == '/') c.api_base.pop_back();
      if (auto u = parse_http_url(c.api_base); !u.ok()) return r.fail("api_base", u.error().message());
    }
    // FACTS.md: about 1 message/s to a chat, 20 a minute to a group.
    c.rate_messages = c.chat_id[0] == '-' ? 20 : 1;
    c.rate_seconds = c.chat_id[0] == '-' ? 60 : 1;
  } else if (c.kind == connector_kind::slack) {
    c.rate_messages = 1;  // FACTS.md: about 1 message/s per channel
    c.rate_seconds = 1;
  }
  if (const YAML::Node rt = n["rate"]) {
    if (rt.IsScalar() && (rt.Scalar() == "off" || rt.Scalar() == "false")) {
      c.rate_messages = 0;
    } else {
      if (!rt.IsMap()) return r.fail("rate", "expected {messages: N, seconds: S} or off");
      SITO_RETURN_IF_ERROR(check_known_keys(rt, {"messages", "seconds"}, origin, where + ".rate"));
      if (!rt["messages"] || !rt["seconds"]) return r.fail("rate", "expected both messages and seconds");
      SITO_ASSIGN_OR_RETURN(c.rate_messages, r.number(rt["messages"], "rate.messages", 1, 100'000));
      SITO_ASSIGN_OR_RETURN(c.rate_seconds, r.number(rt["seconds"], "rate.seconds", 1, 86'400));
    }
  }
  return c;
}

}  // namespace sito::server
