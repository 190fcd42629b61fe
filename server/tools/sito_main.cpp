// File: sito_main.cpp
//
// The `sito` command-line tool. Locally, on files:
//   sito match    --topics FILE(.yaml|.json) --posts FILE.jsonl [--threads N] [--batch N]
//                 → {"post_id","tenant","topic","tags":[...],"highlights":[{"field","start","end","term"}]}
//   sito validate 'QUERY' [--with-channels]
//   sito explain  --topics FILE --topic ID --post JSON|@FILE
// Against a running sitod (--server HOST:PORT, --token T or $SITO_TOKEN,
// --tls and --ca FILE when sitod speaks TLS):
//   sito publish FILE.jsonl [--batch N]
//   sito subscribe --name N [--topic ID]... [--tag PATH]... [--from latest|committed|offset:N|time:MS] [--count N] [--commit]
//   sito topics list | upsert FILE | delete ID...
//   sito explain --server ... --topic ID --post JSON|@FILE
//   sito stats [--topic ID [--tag PATH]] [--from T --to T --by hour|day|week|month|all]
// Mentions go to stdout as JSON lines; problems go to stderr as JSON lines
// (match, publish) or as caret diagnostics (validate). Exit codes: 0 ok,
// 1 the query is invalid / a topic failed to compile / a post was rejected,
// 2 usage, connection or I/O errors.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>

#include "sito/client/client.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/compile/validate.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace {

using json = nlohmann::json;

void print_compile_report(const sito::compile_report& report) {
  for (const auto& e : report.errors) {
    json j{{"tenant", e.tenant}, {"topic", e.topic}, {"error", e.diagnostic.message},
           {"offset", e.diagnostic.offset}, {"line", e.diagnostic.line}, {"column", e.diagnostic.column}};
    if (!e.diagnostic.hint.empty()) j["hint"] = e.diagnostic.hint;
    std::cerr << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  for (const auto& w : report.warnings) {
    json j{{"tenant", w.tenant}, {"topic", w.topic}, {"warning", w.diagnostic.message},
           {"offset", w.diagnostic.offset}, {"column", w.diagnostic.column}};
    std::cerr << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
}

std::optional<std::shared_ptr<const sito::ruleset_snapshot>> load_and_compile(const std::string& path,
                                                                              bool& had_errors) {
  auto file = sito::load_tenant_file(path);
  if (!file.ok()) {
    std::cerr << "sito: " << file.error().message() << "\n";
    return std::nullopt;
  }
  sito::compile_options options;
  if (!file->sentiment_lexicon.empty()) {
    auto lex = sito::rules::parse_lexicon(file->sentiment_lexicon, path + ": sentiment_lexicon");
    if (!lex.ok()) {
      std::cerr << "sito: " << lex.error().message() << "\n";
      return std::nullopt;
    }
    options.tenant_lexicons[file->tenant] = std::move(lex).value();
  }
  sito::compile_report report;
  auto snap = sito::compile_topics(file->topics, options, &report);
  print_compile_report(report);
  had_errors = !report.errors.empty();
  if (!snap.ok()) {
    std::cerr << "sito: " << snap.error().to_string() << "\n";
    return std::nullopt;
  }
  return *snap;
}

json mention_json(const sito::ruleset_snapshot& snap, const sito::post& p, const sito::scan_output& out,
                  const sito::scan_output::match& m) {
  const auto& t = snap.topics[m.topic];
  json hl = json::array();
  for (const auto& h : out.highlights_of(m)) {
    hl.push_back({{"field", sito::query::to_string(h.field)}, {"start", h.begin}, {"end", h.end},
                  {"term", std::string(snap.label(h.label))}});
  }
  json tags = json::array();
  for (uint32_t tag : out.tags_of(m)) tags.push_back(std::string(snap.label(tag)));
  return json{{"post_id", p.id},
              {"tenant", t.tenant},
              {"topic", t.id},
              {"tags", tags},
              {"sentiment", sito::rules::to_string(m.sentiment)},
              {"sentiment_source", m.sentiment_rule == sito::scan_output::no_label ? std::string("model")
                                                                                    : std::string(snap.label(m.sentiment_rule))},
              {"priority", std::round(m.priority * 10) / 10},
              {"processed", m.processed},
              {"wom", m.wom},
              {"highlights", hl}};
}

int run_match(const std::string& topics_path, const std::string& posts_path, size_t batch_size) {
  bool had_errors = false;
  auto snap = load_and_compile(topics_path, had_errors);
  if (!snap) return 2;
  std::ifstream in(posts_path, std::ios::binary);
  if (!in) {
    std::cerr << "sito: cannot open " << posts_path << "\n";
    return 2;
  }
  sito::batch_scanner scanner(*snap);
  sito::scan_output out;
  std::vector<sito::post> batch;
  std::string line;
  size_t line_no = 0;
  auto flush = [&] {
    scanner.scan(batch, out);
    for (const auto& m : out.matches)
      std::cout << mention_json(**snap, batch[m.post], out, m).dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n";
    for (const auto& r : out.rejected)
      std::cerr << json{{"post_id", batch[r.post].id}, {"error", r.reason.message()}}.dump(
                       -1, ' ', false, json::error_handler_t::replace)
                << "\n";
    batch.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto p = sito::post_from_json(line);
    if (!p.ok()) {
      std::cerr << json{{"line", line_no}, {"error", p.error().message()}}.dump() << "\n";
      continue;
    }
    batch.push_back(std::move(*p));
    if (batch.size() >= batch_size) flush();
  }
  if (!batch.empty()) flush();
  std::cout.flush();
  return had_errors ? 1 : 0;
}

/// `as`: "query" (a topic's query), "tag" (an auto-tag's condition) or
/// "rule" (a rule's when), which decide what the expression may test.
int run_validate(const std::string& query, bool with_channels, const std::string& as) {
  auto kind = sito::parse_expression_kind(as);
  if (!kind.ok()) {
    std::cerr << "sito: --as: " << kind.error().message() << "\n";
    return 2;
  }
  const sito::validation v = sito::validate_expression(query, *kind, with_channels);
  for (const auto& d : v.diagnostics) std::cout << sito::query::format_with_caret(query, d) << "\n";
  if (v.ok) std::cout << "ok: " << v.canonical << "\n";
  return v.ok ? 0 : 1;
}

int run_explain(const std::string& topics_path, const std::string& topic_id, std::string post_arg) {
  if (!post_arg.empty() && post_arg[0] == '@') {
    std::ifstream in(post_arg.substr(1), std::ios::binary);
    if (!in) {
      std::cerr << "sito: cannot open " << post_arg.substr(1) << "\n";
      return 2;
    }
    post_arg.assign(std::istreambuf_iterator<char>(in), {});
  }
  bool had_errors = false;
  auto snap = load_and_compile(topics_path, had_errors);
  if (!snap) return 2;
  auto p = sito::post_from_json(post_arg);
  if (!p.ok()) {
    std::cerr << "sito: post: " << p.error().message() << "\n";
    return 2;
  }
  const auto& topics = (*snap)->topics;
  for (uint32_t i = 0; i < topics.size(); ++i) {
    if (topics[i].id != topic_id) continue;
    sito::batch_scanner scanner(*snap);
    auto e = scanner.explain(*p, i);
    if (!e.ok()) {
      std::cerr << "sito: " << e.error().message() << "\n";
      return 2;
    }
    std::cout << sito::to_string(*e);
    return 0;
  }
  std::cerr << "sito: no compiled topic '" << topic_id << "' in " << topics_path << "\n";
  return 2;
}

struct remote {
  std::string server = "127.0.0.1:7400";
  std::string token;
  bool tls = false;
  std::string ca_file;  ///< implies tls
};

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

json mention_json_remote(const sito::client::mention& m) {
  json hl = json::array();
  for (const auto& h : m.record.highlights) hl.push_back({{"field", h.field}, {"start", h.start}, {"end", h.end}, {"term", h.term}});
  return json{{"offset", m.record.offset},     {"post_id", m.p.id},
              {"tenant", m.record.tenant},     {"topic", m.record.topic},
              {"tags", m.record.tags},         {"backfill", m.record.backfill},
              {"sentiment", sito::rules::to_string(static_cast<sito::rules::sentiment>(m.record.sentiment))},
              {"sentiment_source", m.record.sentiment_source},
              {"priority", std::round(m.record.priority * 10) / 10},
              {"processed", m.record.processed},  {"wom", m.record.wom},
              {"from_image", m.record.from_image},
              {"highlights", hl},              {"snapshot_version", m.record.snapshot_version},
              {"ingested_at_ms", m.record.ingested_at_ms}, {"matched_at_ms", m.record.matched_at_ms},
              {"post", json::parse(sito::post_to_json(m.p), nullptr, false)}};
}

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

json alert_json(const sito::server::spike_alert& a) {
  return json{{"alert", {{"id", a.id},
                         {"tenant", a.tenant},
                         {"topic", a.topic},
                         {"tag", a.tag},
                         {"at_ms", a.at_ms},
                         {"count", a.count},
                         {"baseline", a.baseline},
                         {"threshold", a.threshold}}}};
}

int run_subscribe(const remote& r, const std::string& name, const std::vector<std::string>& topics,
                  const std::vector<std::string>& tags, const std::string& from, uint64_t count, bool commit,
                  bool alerts) {
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
      std::cout << mention_json_remote(m).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
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

/// `sito stats --by …`: one JSON line per bucket (period_stats.hpp).
int run_periods(const remote& r, const sito::client::period_request& q) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto rows = (*c)->periods(q);
  if (!rows.ok()) return fail(rows.error());
  for (const auto& row : *rows) std::cout << sito::server::period_row_json(row) << "\n";
  return 0;
}

int run_stats(const remote& r) {
  auto c = connect_remote(r, sito::client::role::admin);
  if (!c.ok()) return fail(c.error());
  auto s = (*c)->full_stats();
  if (!s.ok()) return fail(s.error());
  json counters = json::object();
  for (const auto& [k, v] : s->counters) counters[k] = v;
  auto counts = [](const sito::server::sentiment_counts& x) {
    return json{{"negative", x.negative}, {"neutral", x.neutral}, {"positive", x.positive}, {"total", x.total()}};
  };
  json aggregates = json::array();
  for (const auto& r : s->aggregates) {
    json a{{"topic", r.topic},
           {"minute", counts(r.minute)},
           {"hour", counts(r.hour)},
           {"day", counts(r.day)},
           {"loyalty_hour", r.hour.loyalty()},
           {"loyalty_day", r.day.loyalty()}};
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sito: match social-media posts against topic queries"};
  app.require_subcommand(1);
  app.fallthrough();  // `sito match --threads 2 ...` as well as `sito --threads 2 match ...`
  int threads = 0;
  app.add_option("--threads", threads, "worker threads (default: all cores)");

  std::string topics_path, posts_path, topic_id, post_json, query;
  size_t batch_size = 4096;
  bool with_channels = false;
  auto* match = app.add_subcommand("match", "print one JSON line per mention");
  match->add_option("--topics", topics_path, "topics file (.yaml, .yml or .json)")->required();
  match->add_option("--posts", posts_path, "posts, one JSON object per line")->required();
  match->add_option("--batch", batch_size, "posts per scan batch")->check(CLI::Range(1, 1 << 20));
  auto* validate = app.add_subcommand("validate", "check a query; errors point at their position");
  validate->add_option("query", query, "the query")->required();
  validate->add_flag("--with-channels", with_channels, "the topic has channels (purely negative queries allowed)");
  std::string validate_as = "query";
  validate->add_option("--as", validate_as, "what the expression is: query (a topic's), tag or rule (a condition: "
                                            "may test sentiment:, is:own, is:wom; a rule also tag:, is:processed)")
      ->check(CLI::IsMember({"query", "tag", "rule"}));
  bool validate_remote = false;
  validate->add_flag("--remote", validate_remote, "ask the running sitod (--server) instead of checking locally");
  auto* explain = app.add_subcommand("explain", "show why a post matches a topic or not");
  explain->add_option("--topics", topics_path, "topics file (without it: ask sitod at --server)");
  explain->add_option("--topic", topic_id, "topic id")->required();
  explain->add_option("--post", post_json, "the post as JSON, or @FILE")->required();
  remote server;
  auto add_remote = [&](CLI::App* cmd) {
    cmd->add_option("--server", server.server, "sitod address, HOST:PORT (default 127.0.0.1:7400)");
    cmd->add_option("--token", server.token, "the tenant token (default: $SITO_TOKEN)");
    cmd->add_flag("--tls", server.tls, "connect with TLS (sitod has `tls:` in its config)");
    cmd->add_option("--ca", server.ca_file, "PEM file of CAs to trust for the server's certificate (implies --tls; "
                                            "default: the system's trust store)");
  };
  add_remote(explain);
  add_remote(validate);
  std::string publish_path;
  auto* publish = app.add_subcommand("publish", "publish a JSONL file of posts to sitod");
  publish->add_option("file", publish_path, "posts, one JSON object per line")->required();
  publish->add_option("--batch", batch_size, "posts per PublishBatch")->check(CLI::Range(1, 1 << 20));
  add_remote(publish);
  std::string sub_name = "cli", sub_from = "latest";
  std::vector<std::string> sub_topics, sub_tags;
  uint64_t sub_count = 0;
  bool sub_commit = false;
  auto* subscribe = app.add_subcommand("subscribe", "print the live mention stream as JSON lines");
  subscribe->add_option("--name", sub_name, "subscription name (offsets are committed under it)");
  subscribe->add_option("--topic", sub_topics, "topic id (repeatable; default: all topics of the tenant)");
  subscribe->add_option("--tag", sub_tags, "tag path; mentions with this tag or one under it (repeatable)");
  subscribe->add_option("--from", sub_from, "latest | committed | offset:N | time:MS");
  subscribe->add_option("--count", sub_count, "stop after N mentions (default: run until killed)");
  subscribe->add_flag("--commit", sub_commit, "commit offsets as mentions are printed");
  bool sub_alerts = false;
  subscribe->add_flag("--alerts", sub_alerts, "also print spike alerts of these topics/tags as {\"alert\":...} lines");
  add_remote(subscribe);
  std::vector<std::string> topics_args;
  auto* topics_cmd = app.add_subcommand("topics", "list | upsert FILE | delete ID...");
  topics_cmd->add_option("args", topics_args, "list | upsert FILE | delete ID...")->required();
  add_remote(topics_cmd);
  auto* stats = app.add_subcommand(
      "stats", "sitod's counters for this tenant; with --by, the measures per period from the durable rollups");
  sito::client::period_request period;
  period.by.clear();
  stats->add_option("--topic", period.topic, "topic id (default: the tenant's total over its topics)");
  stats->add_option("--tag", period.tag, "tag path of the topic (its subtree)");
  stats->add_option("--from", period.from, "start: -7d, -12h, 2026-11-01, 2026-11-01T10:00, Unix seconds, now");
  stats->add_option("--to", period.to, "end (default: now)");
  stats->add_option("--by", period.by, "hour, day, week (ISO), month or all: one JSON line per bucket")
      ->check(CLI::IsMember({"hour", "day", "week", "month", "all"}));
  stats->add_option("--among", period.among, "share of voice among these topic ids or a group of the config's topic_groups (default: all of the tenant's topics)")
      ->delimiter(',');
  stats->add_option("--tz", period.time_zone, "IANA time zone of the buckets (default: the tenant's)");
  add_remote(stats);
  std::string backfill_topic;
  auto* backfill = app.add_subcommand("backfill", "run a topic over the retained post log (mentions marked backfill)");
  backfill->add_option("--topic", backfill_topic, "topic id")->required();
  add_remote(backfill);
  CLI11_PARSE(app, argc, argv);

  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  if (*match) return run_match(topics_path, posts_path, batch_size);
  if (*validate) return validate_remote ? run_validate_remote(server, query, with_channels) : run_validate(query, with_channels, validate_as);
  if (*explain) {
    if (topics_path.empty()) return run_explain_remote(server, topic_id, post_json);
    return run_explain(topics_path, topic_id, post_json);
  }
  if (*publish) return run_publish(server, publish_path, batch_size);
  if (*subscribe) return run_subscribe(server, sub_name, sub_topics, sub_tags, sub_from, sub_count, sub_commit, sub_alerts);
  if (*topics_cmd) return run_topics(server, topics_args);
  if (*stats) {
    if (!period.by.empty()) return run_periods(server, period);
    if (!period.topic.empty() || !period.from.empty() || !period.to.empty())
      return fail(sito::status{sito::status_code::invalid_argument, "--topic, --from and --to need --by"});
    return run_stats(server);
  }
  if (*backfill) return run_backfill(server, backfill_topic);
  return 2;
}
