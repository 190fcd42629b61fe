// File: sito_main.cpp
//
// The `sito` command-line tool:
//   sito match    --topics FILE(.yaml|.json) --posts FILE.jsonl [--threads N] [--batch N]
//   sito validate 'QUERY' [--with-channels]
//   sito explain  --topics FILE --topic ID --post JSON|@FILE
// Mentions go to stdout as JSON lines; problems go to stderr as JSON lines
// (match) or as caret diagnostics (validate). Exit codes: 0 ok, 1 the query
// is invalid / a topic failed to compile, 2 usage or I/O errors.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "sito/compile/compiler.hpp"
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
  auto topics = sito::load_topics_file(path);
  if (!topics.ok()) {
    std::cerr << "sito: " << topics.error().message() << "\n";
    return std::nullopt;
  }
  sito::compile_report report;
  auto snap = sito::compile_topics(*topics, {}, &report);
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
  return json{{"post_id", p.id}, {"tenant", t.tenant}, {"topic", t.id}, {"highlights", hl}};
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

int run_validate(const std::string& query, bool with_channels) {
  auto parsed = sito::query::parse(query, with_channels);
  bool error = false;
  for (const auto& d : parsed.diagnostics) {
    std::cout << sito::query::format_with_caret(query, d) << "\n";
    error = error || d.level == sito::query::severity::error;
  }
  if (parsed.ok()) {
    // A query can parse and still fail to plan (e.g. a term of punctuation only).
    sito::topic_spec t{"validate", "query", "query", query, {}, {}};
    if (with_channels) t.channels.push_back("validate");
    sito::compile_report report;
    auto snap = sito::compile_topics(std::span<const sito::topic_spec>(&t, 1), {}, &report);
    for (const auto& e : report.errors) {
      std::cout << sito::query::format_with_caret(query, e.diagnostic) << "\n";
      error = true;
    }
    if (!error) std::cout << "ok: " << sito::query::print(*parsed.root) << "\n";
  }
  return error ? 1 : 0;
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
    auto text = scanner.explain(*p, i);
    if (!text.ok()) {
      std::cerr << "sito: " << text.error().message() << "\n";
      return 2;
    }
    std::cout << *text;
    return 0;
  }
  std::cerr << "sito: no compiled topic '" << topic_id << "' in " << topics_path << "\n";
  return 2;
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
  auto* explain = app.add_subcommand("explain", "show why a post matches a topic or not");
  explain->add_option("--topics", topics_path, "topics file")->required();
  explain->add_option("--topic", topic_id, "topic id")->required();
  explain->add_option("--post", post_json, "the post as JSON, or @FILE")->required();
  CLI11_PARSE(app, argc, argv);

  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  if (*match) return run_match(topics_path, posts_path, batch_size);
  if (*validate) return run_validate(query, with_channels);
  if (*explain) return run_explain(topics_path, topic_id, post_json);
  return 2;
}
