// File: sito_remote.cpp
//
// The `sito` commands that talk to a running sitod through the C++ client
// (sito/client/client.hpp): publish, subscribe, topics, stats, backfill,
// and validate/explain with --server. Mentions, alerts and period rows are
// printed from the client's own types; nothing here links the server.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "sito_commands.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/protocol/mention_json.hpp"
#include "sito/query/diagnostic.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::tool {
namespace {

using json = nlohmann::json;

void apply_tls(const remote& r, sito::client::connection_options& o) {
  o.tls = r.tls || !r.ca_file.empty();
  o.ca_file = r.ca_file;
}

sito::result<std::unique_ptr<sito::client::connection>> connect_remote(const remote& r, sito::client::role as) {
  sito::client::connection_options o;
  const size_t colon = r.server.rfind(':');
  if (colon == std::string::npos) return sito::invalid_argument("--server must be HOST:PORT");
  o.host = r.server.substr(0, colon);
  o.port = static_cast<uint16_t>(std::strtoul(r.server.c_str() + colon + 1, nullptr, 10));
  o.token = r.token;
  if (o.token.empty())
    if (const char* env = std::getenv("SITO_TOKEN")) o.token = env;
  o.as = as;
  o.client_name = "sito-cli";
  apply_tls(r, o);
  return sito::client::connection::open(o);
}

json mention_json(const client::mention& m) { return sito::protocol::mention_json(m, m.p); }

json alert_json(const client::alert& a) { return sito::protocol::alert_json(a, a.kind); }

/// One period row as a JSON object, with exactly the names of
/// client::period_row (null for an absent nps or share_of_voice); `estimated`
/// is not printed.
std::string period_row_json(const client::period_row& r) {
  nlohmann::ordered_json j;
  j["from"] = r.from;
  j["to"] = r.to;
  j["topic"] = r.topic;
  j["tag"] = r.tag;
  j["mentions"] = r.mentions;
  j["negative"] = r.negative;
  j["neutral"] = r.neutral;
  j["positive"] = r.positive;
  j["loyalty"] = r.loyalty;
  j["authors"] = r.authors;
  j["audience"] = r.audience;
  j["reach"] = r.reach;
  j["engagement"] = r.engagement;
  j["er"] = r.er;
  j["wom"] = r.wom;
  j["wom_share"] = r.wom_share;
  j["nps"] = r.nps ? nlohmann::ordered_json(*r.nps) : nlohmann::ordered_json(nullptr);
  j["share_of_voice"] = r.share_of_voice ? nlohmann::ordered_json(*r.share_of_voice) : nlohmann::ordered_json(nullptr);
  return j.dump();
}

}  // namespace

int fail(const sito::status& st) {
  std::cerr << "sito: " << st.message() << "\n";
  return 2;
}

int run_publish(const remote& r, const std::string& path, size_t batch_size) {
  auto c = connect_remote(r, sito::client::role::producer);
  if (!c.ok()) return fail(c.error());
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(sito::not_found("cannot open " + path));
  std::vector<sito::post> batch;
  std::string line;
  size_t line_no = 0, accepted = 0, rejected = 0, duplicates = 0, edits = 0;
  // Fields sito does not know, by name: tolerated, but a typo ("txet")
  // would silently leave a post without its text, so the summary names them.
  std::map<std::string, uint64_t> unknown_fields;
  std::vector<std::string> unknown_names;
  const auto started = std::chrono::steady_clock::now();
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto ack = (*c)->publish(batch);
    if (!ack.ok()) {
      fail(ack.error());
      return false;
    }
    accepted += ack->accepted;
    duplicates += ack->duplicate_ids.size();
    edits += ack->edits;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "\rpublished " << accepted << " posts, " << static_cast<uint64_t>(accepted / (secs > 0 ? secs : 1))
              << " posts/s, acknowledged durable" << std::flush;
    for (const auto& rj : ack->rejected) {
      ++rejected;
      std::cerr << json{{"post_id", rj.post_id}, {"error", rj.reason}}.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
    batch.clear();
    return true;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    unknown_names.clear();
    auto p = sito::post_from_json(line, &unknown_names);
    if (p.ok())  // as sitod counts them: posts that are sent
      for (const auto& name : unknown_names)
        if (unknown_fields.size() < 100 || unknown_fields.count(name)) ++unknown_fields[name];
    if (!p.ok()) {
      ++rejected;
      std::cerr << json{{"line", line_no}, {"error", p.error().message()}}.dump() << "\n";
      continue;
    }
    batch.push_back(std::move(*p));
    if (batch.size() >= batch_size && !flush()) return 2;
  }
  if (!flush()) return 2;
  // duplicates: posts the server had accepted before (a re-send), not stored again.
  std::cerr << "\n"
            << json{{"published", accepted}, {"duplicates", duplicates}, {"edits", edits}, {"rejected", rejected},
                    {"unknown_fields", unknown_fields}}
                   .dump(-1, ' ', false, json::error_handler_t::replace)
            << "\n";
  return rejected ? 1 : 0;
}

int run_subscribe(const remote& r, const std::string& name, const std::vector<std::string>& topics,
                  const std::vector<std::string>& tags, const std::string& from, uint64_t count, bool commit,
                  bool alerts, bool first_posts_only, uint32_t history) {
  sito::client::connection_options o;
  auto probe = connect_remote(r, sito::client::role::subscriber);  // fail fast with a clear message
  if (!probe.ok()) return fail(probe.error());
  probe->reset();
  const size_t colon = r.server.rfind(':');
  o.host = r.server.substr(0, colon);
  o.port = static_cast<uint16_t>(std::strtoul(r.server.c_str() + colon + 1, nullptr, 10));
  o.token = r.token.empty() && std::getenv("SITO_TOKEN") ? std::getenv("SITO_TOKEN") : r.token;
  o.as = sito::client::role::subscriber;
  apply_tls(r, o);
  sito::client::subscription_options s;
  s.name = name;
  s.topics = topics;
  s.tags = tags;
  s.alerts = alerts;
  s.first_posts_only = first_posts_only;
  s.history = history;
  if (from == "latest") s.start = sito::client::start_from::latest;
  else if (from == "committed") s.start = sito::client::start_from::committed;
  else if (from.rfind("offset:", 0) == 0) { s.start = sito::client::start_from::offset; s.offset = std::strtoull(from.c_str() + 7, nullptr, 10); }
  else if (from.rfind("time:", 0) == 0) { s.start = sito::client::start_from::time; s.time_ms = std::strtoll(from.c_str() + 5, nullptr, 10); }
  else return fail(sito::invalid_argument("--from must be latest, committed, offset:N or time:MS"));
  sito::client::subscriber sub(o, s);
  uint64_t seen = 0;
  while (count == 0 || seen < count) {
    auto batch = sub.next(std::chrono::milliseconds(500));
    if (!batch.ok()) {
      std::cerr << json{{"warning", "reconnecting"}, {"error", batch.error().message()}}.dump() << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    for (const auto& a : sub.take_alerts()) std::cout << alert_json(a).dump() << std::endl;
    for (const auto& m : *batch) {
      std::cout << mention_json(m).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      if (++seen == count) break;
    }
    std::cout.flush();
    if (commit && !batch->empty()) (void)sub.commit();
  }
  if (commit) (void)sub.commit();
  return 0;
}

int run_topics(const remote& r, const std::vector<std::string>& args) {
  if (args.empty()) return fail(sito::invalid_argument("topics needs list, upsert FILE or delete ID..."));
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  sito::result<sito::client::topics_result> res = sito::client::topics_result{};
  if (args[0] == "list") {
    res = (*c)->list_topics();
  } else if (args[0] == "upsert" && args.size() == 2) {
    auto topics = sito::load_topics_file(args[1]);
    if (!topics.ok()) return fail(topics.error());
    res = (*c)->upsert_topics(*topics);
  } else if (args[0] == "delete" && args.size() >= 2) {
    res = (*c)->delete_topics(std::vector<std::string>(args.begin() + 1, args.end()));
  } else {
    return fail(sito::invalid_argument("topics needs list, upsert FILE or delete ID..."));
  }
  if (!res.ok()) return fail(res.error());
  json topics = json::array();
  for (const auto& t : res->topics) topics.push_back({{"id", t.id}, {"name", t.name}, {"query", t.query}, {"channels", t.channels}});
  json ds = json::array();
  bool errors = false;
  for (const auto& d : res->diagnostics) {
    ds.push_back({{"topic", d.topic}, {"severity", d.severity}, {"message", d.message}, {"offset", d.offset}, {"column", d.column}, {"hint", d.hint}});
    errors = errors || d.severity == "error";
  }
  std::cout << json{{"snapshot_version", res->snapshot_version}, {"topics", topics}, {"diagnostics", ds}}
                   .dump(2, ' ', false, json::error_handler_t::replace)
            << "\n";
  return errors ? 1 : 0;
}

int run_periods(const remote& r, const sito::client::period_request& q) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto rows = (*c)->periods(q);
  if (!rows.ok()) return fail(rows.error());
  for (const auto& row : *rows) std::cout << period_row_json(row) << "\n";
  return 0;
}

int run_stats(const remote& r) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto s = (*c)->full_stats();
  if (!s.ok()) return fail(s.error());
  json counters = json::object();
  for (const auto& [k, v] : s->counters) counters[k] = v;
  auto counts = [](const client::sentiment_counts& x) {
    return json{{"negative", x.negative}, {"neutral", x.neutral}, {"positive", x.positive}, {"total", x.total()}};
  };
  json aggregates = json::array();
  for (const auto& r : s->aggregates) {
    json a{{"topic", r.topic},
           {"minute", counts(r.minute)},
           {"hour", counts(r.hour)},
           {"day", counts(r.day)},
           {"loyalty_hour", r.loyalty_hour},
           {"loyalty_day", r.loyalty_day}};
    if (r.tag.empty()) {
      a["share_of_voice_hour"] = r.share_of_voice_hour;
      a["share_of_voice_day"] = r.share_of_voice_day;
    } else {
      a["tag"] = r.tag;
    }
    aggregates.push_back(std::move(a));
  }
  json alerts = json::array();
  for (const auto& a : s->alerts) alerts.push_back(alert_json(a)["alert"]);
  std::cout << json{{"counters", counters}, {"aggregates", aggregates}, {"alerts", alerts}}.dump(2, ' ', false,
                                                                                               json::error_handler_t::replace)
            << "\n";
  return 0;
}

int run_backfill(const remote& r, const std::string& topic) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto res = (*c)->backfill(topic);
  if (!res.ok()) return fail(res.error());
  std::cout << json{{"topic", topic}, {"posts_scanned", res->first}, {"mentions", res->second}}.dump() << "\n";
  return 0;
}

namespace {
json person_json(const sito::client::person& p) {
  json links = json::array();
  for (const auto& [a, b] : p.links) links.push_back(json::array({a, b}));
  return json{{"person_id", p.person_id}, {"members", p.members}, {"links", links}};
}
}  // namespace

int run_authors_link(const remote& r, const std::string& a, const std::string& b) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto p = (*c)->link_authors(a, b);
  if (!p.ok()) return fail(p.error());
  std::cout << person_json(*p).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

int run_authors_unlink(const remote& r, const std::string& author, const std::string& other) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto p = (*c)->unlink_authors(author, other);
  if (!p.ok()) return fail(p.error());
  std::cout << person_json(*p).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

int run_authors_history(const remote& r, const history_request& q) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto p = (*c)->author_history(q.author, q.since, q.limit);
  if (!p.ok()) return fail(p.error());
  std::cout << person_json(*p).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  for (const auto& m : p->mentions)
    std::cout << mention_json(m).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

int run_validate_remote(const remote& r, const std::string& query, bool with_channels) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto v = (*c)->validate(query, with_channels);
  if (!v.ok()) return fail(v.error());
  for (const auto& d : v->diagnostics) {
    sito::query::diagnostic qd;
    qd.level = d.severity == "error" ? sito::query::severity::error : sito::query::severity::warning;
    qd.offset = d.offset;
    qd.message = d.message;
    qd.hint = d.hint;
    sito::query::locate(query, qd);
    std::cout << sito::query::format_with_caret(query, qd) << "\n";
  }
  if (v->ok) std::cout << "ok: " << v->canonical << "\n";
  return v->ok ? 0 : 1;
}

int run_explain_remote(const remote& r, const std::string& topic, std::string post_arg) {
  if (!post_arg.empty() && post_arg[0] == '@') {
    std::ifstream in(post_arg.substr(1), std::ios::binary);
    post_arg.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto p = sito::post_from_json(post_arg);
  if (!p.ok()) return fail(p.error());
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto e = (*c)->explain(topic, *p);
  if (!e.ok()) return fail(e.error());
  std::cout << e->second;
  return 0;
}

}  // namespace sito::tool
