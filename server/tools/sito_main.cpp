// File: sito_main.cpp
//
// The `sito` command-line tool: the command line (CLI11) here, the local
// commands in sito_local.cpp (the engine on files), the remote ones in
// sito_remote.cpp (sito::client against sitod); the tool does not link
// sitod's library. Locally, on files:
//   sito match    --topics FILE(.yaml|.json) --posts FILE.jsonl [--threads N] [--batch N]
//                 → {"post_id","tenant","topic","tags":[...],"highlights":[{"field","start","end","term"}]}
//   sito validate 'QUERY' [--with-channels] [--as query|tag|rule]
//   sito explain  --topics FILE --topic ID --post JSON|@FILE
// Against a running sitod (--server HOST:PORT, --token T or $SITO_TOKEN,
// --tls and --ca FILE when sitod speaks TLS):
//   sito publish FILE.jsonl [--batch N]
//   sito subscribe --name N [--topic ID]... [--tag PATH]... [--from latest|committed|offset:N|time:MS]
//                  [--count N] [--commit] [--alerts] [--first-posts-only] [--history N]
//   sito topics list | upsert FILE | delete ID...
//   sito validate --remote 'QUERY' [--with-channels]
//   sito explain --topic ID --post JSON|@FILE           (no --topics: sitod's topic)
//   sito stats [--topic ID [--tag PATH]] [--from T --to T --by hour|day|week|month|all]
//              [--among ID,ID|GROUP] [--tz ZONE]
//   sito backfill --topic ID
//   sito authors link A B | unlink A [B] | history --author A [--since T] [--limit N]
// Mentions go to stdout as JSON lines; problems go to stderr as JSON lines
// (match, publish) or as caret diagnostics (validate). Exit codes: 0 ok,
// 1 the query is invalid / a topic failed to compile / a post was rejected,
// 2 usage, connection or I/O errors.
#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sito_commands.hpp"

int main(int argc, char** argv) {
  using namespace sito::tool;  // NOLINT: the subcommands of sito_commands.hpp
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
  embedding_choice embeddings;
  auto add_embeddings = [&](CLI::App* cmd) {
    cmd->add_option("--embedding-backend", embeddings.backend, "semantic tags: cpu, cuda or auto")
        ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
    cmd->add_option("--embedding-model", embeddings.model,
                    "semantic tags: a fastText .bin instead of the built-in embedding");
    cmd->add_option("--min-similarity", embeddings.min_similarity,
                    "semantic tags: min_similarity of tags that set none (the default 0.30 suits the built-in "
                    "embedding only)")
        ->check(CLI::Range(0.001f, 1.0f));
  };
  add_embeddings(match);
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
  add_embeddings(explain);
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
  bool sub_first_posts_only = false;
  subscribe->add_flag("--first-posts-only", sub_first_posts_only,
                      "leave out near-duplicates (mentions with duplicate_of): the first post of each cluster only");
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
  // One author across platforms (README): link, unlink, history.
  auto* authors = app.add_subcommand("authors", "one person across platforms: link A B | unlink A [B] | history --author A");
  authors->require_subcommand(1);
  std::vector<std::string> link_ids, unlink_ids;
  auto* authors_link = authors->add_subcommand("link", "record that two author ids (platform:id) are one person");
  authors_link->add_option("ids", link_ids, "A B")->required()->expected(2);
  add_remote(authors_link);
  auto* authors_unlink = authors->add_subcommand(
      "unlink", "split an author id out of its person (every link of A), or remove the one link A-B");
  authors_unlink->add_option("ids", unlink_ids, "A [B]")->required()->expected(1, 2);
  add_remote(authors_unlink);
  sito::tool::history_request history;
  auto* authors_history = authors->add_subcommand("history", "the person's mentions on every platform, newest first (JSON lines)");
  authors_history->add_option("--author", history.author, "an author id of the person, platform:id")->required();
  authors_history->add_option("--since", history.since, "matched since: -7d, -12h, 2026-11-01, 2026-11-01T10:00, Unix seconds");
  authors_history->add_option("--limit", history.limit, "at most N mentions (default 100)")->check(CLI::Range(1, 10000));
  add_remote(authors_history);
  uint32_t sub_history = 0;
  subscribe->add_option("--history", sub_history,
                        "with each mention, up to N previous mentions of its person across platforms (\"history\")")
      ->check(CLI::Range(0, 100));
  CLI11_PARSE(app, argc, argv);

  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  if (*match) return run_match(topics_path, posts_path, batch_size, embeddings);
  if (*validate) return validate_remote ? run_validate_remote(server, query, with_channels) : run_validate(query, with_channels, validate_as);
  if (*explain) {
    if (topics_path.empty()) return run_explain_remote(server, topic_id, post_json);
    return run_explain(topics_path, topic_id, post_json, embeddings);
  }
  if (*publish) return run_publish(server, publish_path, batch_size);
  if (*subscribe) return run_subscribe(server, sub_name, sub_topics, sub_tags, sub_from, sub_count, sub_commit, sub_alerts,
                                     sub_first_posts_only, sub_history);
  if (*authors_link) return run_authors_link(server, link_ids[0], link_ids[1]);
  if (*authors_unlink) return run_authors_unlink(server, unlink_ids[0], unlink_ids.size() > 1 ? unlink_ids[1] : "");
  if (*authors_history) return run_authors_history(server, history);
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
