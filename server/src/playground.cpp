// The query playground on sitod's HTTP port (http.playground: on, off, or
// auto: on when the port listens on loopback). The page (server/playground/,
// compiled into the binary: no CDN) is static; everything it shows comes from
// this API, which needs an admin token (Authorization: Bearer) and answers
// for the token's tenant only:
//   POST /api/v1/validate      {query, as: query|tag|rule, with_channels}
//                              → {ok, canonical, diagnostics: [{severity, message, hint, offset, end, line, column}]}
//   GET  /api/v1/topics        → {tenant, topics: [topic as in a topics file]}
//   PUT  /api/v1/topics/{id}   a topic as in a topics file → {version, warnings}; 422 with the
//                              errors when it does not compile (nothing stored)
//   POST /api/v1/try           {topic, posts: "JSON lines"} → each post with whether the topic
//                              matches, its highlights as text segments, tags, sentiment,
//                              priority and the explain tree (nothing is stored)
//   GET  /api/v1/posts/recent?limit=N   the newest retained posts (N ≤ 500)
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <span>
#include <string_view>

#include "http_service.hpp"
#include "playground_assets.hpp"
#include "server_impl.hpp"
#include "sito/compile/validate.hpp"
#include "sito/query/diagnostic.hpp"
#include "sito/scan/explanation.hpp"

namespace sito::server {

using json = nlohmann::json;

namespace {

constexpr size_t max_try_posts = 1000;
constexpr size_t max_recent_posts = 500;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// The byte just past the token a diagnostic points at: to the next blank
/// or bracket, at least one code point (the editor underlines that span).
uint32_t diagnostic_end(std::string_view text, uint32_t offset) {
  if (offset >= text.size()) return static_cast<uint32_t>(text.size());
  uint32_t e = offset;
  auto stop = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')'; };
  if (stop(text[e])) return e + 1;
  while (e < text.size() && !stop(text[e])) ++e;
  return e;
}

json diagnostic_json(std::string_view text, const query::diagnostic& d) {
  json j{{"severity", d.level == query::severity::error ? "error" : "warning"},
         {"message", d.message},
         {"offset", d.offset},
         {"end", diagnostic_end(text, d.offset)},
         {"line", d.line},
         {"column", d.column}};
  if (!d.hint.empty()) j["hint"] = d.hint;
  return j;
}

json topic_json(const topic_spec& t) {
  json j{{"id", t.id}, {"query", t.query}};
  if (!t.name.empty()) j["name"] = t.name;
  j["channels"] = t.channels;
  if (!t.own_accounts.empty()) j["own_accounts"] = t.own_accounts;
  json tags = json::array();
  for (const auto& g : t.tags) tags.push_back({{"path", g.path}, {"query", g.query}});
  j["tags"] = tags;
  json rules = json::array();
  for (const auto& r : t.rules) {
    json then = json::object();
    if (!r.then.add_tags.empty()) then["add_tags"] = r.then.add_tags;
    if (!r.then.sentiment.empty()) then["sentiment"] = r.then.sentiment;
    if (r.then.priority) then["priority"] = *r.then.priority;
    if (r.then.processed) then["processed"] = true;
    if (r.then.drop) then["drop"] = true;
    json rule{{"name", r.name}, {"then", then}};
    if (!r.when.empty()) rule["when"] = r.when;
    rules.push_back(rule);
  }
  j["rules"] = rules;
  if (!t.nps.empty())
    j["nps"] = {{"promoters", t.nps.promoters}, {"passives", t.nps.passives}, {"detractors", t.nps.detractors}};
  return j;
}

/// A topic object in the topics-file shape, checked as a topics file is
/// (unknown keys are errors). Its tenant is the caller's, whatever it says.
result<topic_spec> topic_from_json(const json& j, const std::string& tenant) {
  if (!j.is_object()) return invalid_argument("topic: expected an object");
  json file{{"tenant", tenant}, {"topics", json::array({j})}};
  auto parsed = parse_tenant_file(dump(file), "topic.json");
  if (!parsed.ok()) return parsed.error();
  if (parsed->topics.size() != 1) return invalid_argument("topic: expected one topic");
  topic_spec t = std::move(parsed->topics.front());
  t.tenant = tenant;
  return t;
}

/// The post's fields that have text, each cut into segments at the highlights.
json field_segments(const post& p, const std::vector<explanation::highlight_line>& highlights) {
  json fields = json::array();
  const std::pair<query::field, const std::string*> all[] = {
      {query::field::title, &p.title}, {query::field::text, &p.text}, {query::field::image, &p.image_text}};
  for (const auto& [f, text] : all) {
    if (text->empty()) continue;
    std::vector<const explanation::highlight_line*> hs;
    for (const auto& h : highlights)
      if (h.field == f && h.begin < h.end && h.end <= text->size()) hs.push_back(&h);
    std::sort(hs.begin(), hs.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
    json segments = json::array();
    size_t at = 0;
    for (const auto* h : hs) {
      if (h->begin < at) continue;  // overlapping spans: the first wins
      if (h->begin > at) segments.push_back({{"text", text->substr(at, h->begin - at)}});
      segments.push_back({{"text", text->substr(h->begin, h->end - h->begin)}, {"hit", true}, {"term", h->term}});
      at = h->end;
    }
    if (at < text->size()) segments.push_back({{"text", text->substr(at)}});
    fields.push_back({{"name", query::to_string(f)}, {"segments", segments}});
  }
  return fields;
}

json explanation_json(const post& p, const explanation& e) {
  json evaluation = json::array();
  for (const auto& n : e.evaluation)
    evaluation.push_back(
        {{"depth", n.depth}, {"truth", n.truth}, {"what", n.what}, {"positional", n.positional}, {"spans", n.spans}});
  json trace = json::array();
  for (const auto& l : e.mention_trace) trace.push_back({{"depth", l.depth}, {"text", l.text}});
  json hits = json::array();
  for (const auto& h : e.hits)
    hits.push_back({{"kind", h.kind}, {"term", h.term}, {"field", query::to_string(h.field)}, {"begin", h.begin},
                    {"end", h.end}, {"text", h.text}});
  json j{{"id", p.id},           {"matched", e.matched}, {"fields", field_segments(p, e.highlights)},
         {"evaluation", evaluation}, {"trace", trace},     {"hits", hits}};
  if (e.matched) {
    j["dropped"] = e.dropped;
    j["tags"] = e.tags;
    j["sentiment"] = rules::to_string(e.sentiment);
    j["sentiment_source"] = e.sentiment_source;
    j["priority"] = std::round(static_cast<double>(e.priority) * 10) / 10;
    j["processed"] = e.processed;
    j["wom"] = e.wom;
  }
  return j;
}

/// The request's body as JSON, or the 400 that says where it is not.
std::optional<json> body_json(const http_request& req, const http_responder& respond) {
  try {
    return json::parse(req.body());
  } catch (const json::exception& e) {
    respond(http_error(http::status::bad_request, std::string("the body is not JSON: ") + e.what()));
    return std::nullopt;
  }
}

/// `key`'s value as `T`, or the 400 that names the key.
template <typename T>
std::optional<T> member(const json& j, const char* key, T fallback, const http_responder& respond) {
  if (!j.is_object()) {
    respond(http_error(http::status::bad_request, "the body must be a JSON object"));
    return std::nullopt;
  }
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    respond(http_error(http::status::bad_request, std::string("'") + key + "' has the wrong type"));
    return std::nullopt;
  }
}

size_t query_limit(std::string_view target, size_t fallback) {
  const size_t at = target.find("limit=");
  if (at == std::string_view::npos) return fallback;
  size_t v = 0;
  for (size_t i = at + 6; i < target.size() && target[i] >= '0' && target[i] <= '9'; ++i)
    v = std::min<size_t>(v * 10 + static_cast<size_t>(target[i] - '0'), 1u << 20);
  return v;
}

std::optional<http_reply> asset(std::string_view path) {
  http_reply r;
  if (path == "/playground" || path == "/playground/" || path == "/playground/index.html") {
    r.content_type = "text/html; charset=utf-8";
    r.body = playground_assets::index_html;
  } else if (path == "/playground/app.js") {
    r.content_type = "text/javascript; charset=utf-8";
    r.body = playground_assets::app_js;
  } else if (path == "/playground/style.css") {
    r.content_type = "text/css; charset=utf-8";
    r.body = playground_assets::style_css;
  } else if (path == "/playground/favicon.svg") {
    r.content_type = "image/svg+xml";
    r.body = playground_assets::favicon_svg;
  } else {
    return std::nullopt;
  }
  // Nothing from elsewhere: no CDN, no inline script, no framing.
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'");
  return r;
}

}  // namespace

bool playground_enabled(const server_config& config) {
  if (config.http.playground == "on") return true;
  if (config.http.playground == "off") return false;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(config.http_host, ec);
  return config.http_host == "localhost" || (!ec && address.is_loopback());
}

bool serve_playground(sitod::impl& s, const http_request& req, std::string_view path, const http_responder& respond) {
  const bool page = path == "/playground" || path.starts_with("/playground/");
  const bool api = path.starts_with("/api/v1/");
  if (!page && !api) return false;
  if (!playground_enabled(s.config)) {
    respond(http_error(http::status::not_found,
                       "the playground is off (config http.playground: on, off, or auto: on when http listens on loopback)"));
    return true;
  }
  const http::verb method = req.method();
  const bool get = http_is_get(req);
  if (page) {
    auto r = asset(path);
    if (!r) respond(http_error(http::status::not_found, "no such path: " + std::string(path)));
    else respond(get ? std::move(*r) : http_method_not_allowed("GET, HEAD"));
    return true;
  }
  std::string tenant;
  if (!http_admin(s, req, tenant, respond)) return true;
  const std::string_view target(req.target().data(), req.target().size());

  if (path == "/api/v1/validate") {
    if (method != http::verb::post) return respond(http_method_not_allowed("POST")), true;
    auto body = body_json(req, respond);
    if (!body) return true;
    auto text = member<std::string>(*body, "query", "", respond);
    auto as = member<std::string>(*body, "as", "query", respond);
    auto with_channels = member<bool>(*body, "with_channels", false, respond);
    if (!text || !as || !with_channels) return true;
    auto kind = parse_expression_kind(*as);
    if (!kind.ok()) return respond(http_error(http::status::bad_request, kind.error().message())), true;
    net::post(s.queries, [text = *text, kind = *kind, with = *with_channels, respond] {
      const validation v = validate_expression(text, kind, with);
      json ds = json::array();
      for (const auto& d : v.diagnostics) ds.push_back(diagnostic_json(text, d));
      respond(http_json(dump({{"ok", v.ok}, {"canonical", v.canonical}, {"diagnostics", ds}})));
    });
    return true;
  }

  if (path == "/api/v1/topics") {
    if (!get) return respond(http_method_not_allowed("GET, HEAD")), true;
    net::post(s.queries, [&s, tenant, respond] {
      auto topics = s.db->topics(tenant);
      if (!topics.ok()) return respond(http_error(http::status::service_unavailable, topics.error().message()));
      json list = json::array();
      for (const auto& t : *topics) list.push_back(topic_json(t));
      respond(http_json(dump({{"tenant", tenant}, {"topics", list}})));
    });
    return true;
  }

  if (path.starts_with("/api/v1/topics/")) {
    if (method != http::verb::put) return respond(http_method_not_allowed("PUT")), true;
    auto body = body_json(req, respond);
    if (!body) return true;
    const std::string id(path.substr(std::string_view("/api/v1/topics/").size()));
    auto t = topic_from_json(*body, tenant);
    if (!t.ok()) return respond(http_error(http::status::unprocessable_entity, t.error().message())), true;
    if (t->id != id)
      return respond(http_error(http::status::bad_request,
                                "the path names topic '" + id + "' and the body '" + t->id + "'")),
             true;
    net::post(s.workers, [&s, topic = std::move(*t), respond] {
      auto r = s.upsert_topics(topic.tenant, {topic});
      if (!r.ok()) return respond(http_error(http::status::service_unavailable, r.error().message()));
      json errors = json::array(), warnings = json::array();
      for (const auto& d : r->diagnostics)
        (d.diagnostic.level == query::severity::error ? errors : warnings).push_back(query::format_one_line(d.diagnostic));
      if (r->stored.empty())
        return respond(http_json(dump({{"error", "the topic does not compile; nothing was stored"}, {"errors", errors}}),
                                 http::status::unprocessable_entity));
      respond(http_json(dump({{"version", r->version}, {"warnings", warnings}})));
    });
    return true;
  }

  if (path == "/api/v1/try") {
    if (method != http::verb::post) return respond(http_method_not_allowed("POST")), true;
    auto body = body_json(req, respond);
    if (!body) return true;
    auto posts_text = member<std::string>(*body, "posts", "", respond);
    if (!posts_text) return true;
    if (!body->contains("topic")) return respond(http_error(http::status::bad_request, "'topic' is missing")), true;
    auto t = topic_from_json((*body)["topic"], tenant);
    if (!t.ok()) return respond(http_error(http::status::unprocessable_entity, t.error().message())), true;
    net::post(s.queries, [&s, topic = std::move(*t), text = std::move(*posts_text), respond] {
      json out{{"errors", json::array()}, {"rejected", json::array()}, {"posts", json::array()}, {"matched", 0}};
      std::vector<post> posts;
      size_t line_no = 0, begin = 0;
      while (begin <= text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + begin, end - begin);
        ++line_no;
        begin = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        if (posts.size() == max_try_posts)
          return respond(http_error(http::status::payload_too_large,
                                    "at most " + std::to_string(max_try_posts) + " posts per try"));
        auto p = post_from_json(line);
        if (!p.ok()) out["rejected"].push_back({{"line", line_no}, {"error", p.error().message()}});
        else posts.push_back(std::move(*p));
      }
      compile_report report;
      auto snap = compile_topics(std::span<const topic_spec>(&topic, 1), s.compile_opts, &report);
      for (const auto& e : report.errors)
        if (!e.topic.empty()) out["errors"].push_back(query::format_one_line(e.diagnostic));
      if (!snap.ok()) out["errors"].push_back(snap.error().message());
      if (!snap.ok() || (*snap)->topics.empty()) return respond(http_json(dump(out)));
      batch_scanner scanner(*snap);
      uint64_t matched = 0;
      for (const auto& p : posts) {
        auto e = scanner.explain(p, 0);
        if (!e.ok()) {
          out["rejected"].push_back({{"post_id", p.id}, {"error", e.error().message()}});
          continue;
        }
        matched += e->matched && !e->dropped;
        out["posts"].push_back(explanation_json(p, *e));
      }
      out["matched"] = matched;
      respond(http_json(dump(out)));
    });
    return true;
  }

  if (path == "/api/v1/posts/recent") {
    if (!get) return respond(http_method_not_allowed("GET, HEAD")), true;
    const size_t limit = std::min(query_limit(target, 50), max_recent_posts);
    net::post(s.queries, [&s, limit, respond] {
      const uint64_t next = s.db->next_post_offset();
      std::vector<stored_post> stored;
      const status st = s.db->read_posts(next > limit ? next - limit : 0, limit, stored);
      if (!st.ok()) return respond(http_error(http::status::service_unavailable, st.message()));
      json list = json::array();
      for (auto it = stored.rbegin(); it != stored.rend(); ++it) list.push_back(json::parse(post_to_json(it->p)));
      respond(http_json(dump({{"posts", list}})));
    });
    return true;
  }

  respond(http_error(http::status::not_found, "no such path: " + std::string(path)));
  return true;
}

}  // namespace sito::server
