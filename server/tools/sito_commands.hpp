// File: sito_commands.hpp
//
// Private to the `sito` tool: its subcommands, one function each, which
// sito_main.cpp wires to the command line. Local ones (sito_local.cpp) use
// the engine on files; remote ones (sito_remote.cpp) talk to a running
// sitod through the C++ client (sito::client). Each returns the tool's exit
// code: 0 ok, 1 the query is invalid / a topic failed to compile / a post
// was rejected, 2 usage, connection or I/O errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sito/client/client.hpp"

namespace sito::tool {

// ---- local: the engine on files (sito_local.cpp) -------------------------

/// One JSON line per mention on stdout; compile and post errors on stderr.
/// Semantic tags in match and explain (README "Semantic tags").
struct embedding_choice {
  std::string backend = "auto";  ///< --embedding-backend: cpu, cuda or auto
  std::string model;             ///< --embedding-model: a fastText .bin; empty: the built-in embedding
  float min_similarity = -1;     ///< --min-similarity: default of tags without one
};

int run_match(const std::string& topics_path, const std::string& posts_path, size_t batch_size,
              const embedding_choice& embeddings);
/// Caret diagnostics and "ok: <canonical>". `as`: "query" (a topic's query),
/// "tag" (an auto-tag's condition) or "rule" (a rule's when).
int run_validate(const std::string& query, bool with_channels, const std::string& as);
/// The explain tree of `post_arg` (JSON, or @FILE) against one topic of the file.
int run_explain(const std::string& topics_path, const std::string& topic_id, std::string post_arg,
                const embedding_choice& embeddings);

// ---- remote: a running sitod (sito_remote.cpp) -----------------------------

/// Where and how to reach sitod (--server, --token or $SITO_TOKEN, --tls, --ca).
struct remote {
  std::string server = "127.0.0.1:7400";
  std::string token;
  bool tls = false;
  std::string ca_file;  ///< implies tls
};

int run_publish(const remote& r, const std::string& path, size_t batch_size);
int run_subscribe(const remote& r, const std::string& name, const std::vector<std::string>& topics,
                  const std::vector<std::string>& tags, const std::string& from, uint64_t count, bool commit,
                  bool alerts, bool first_posts_only, uint32_t history = 0);
/// `args`: list | upsert FILE | delete ID...
int run_topics(const remote& r, const std::vector<std::string>& args);
/// `sito stats --by …`: one JSON line per bucket.
int run_periods(const remote& r, const client::period_request& q);
int run_stats(const remote& r);
int run_backfill(const remote& r, const std::string& topic);
int run_validate_remote(const remote& r, const std::string& query, bool with_channels);
int run_explain_remote(const remote& r, const std::string& topic, std::string post_arg);
/// `sito authors link A B` / `unlink A [B]`: the person after, as one JSON
/// object {"person_id", "members", "links": [[a, b], ...]}.
int run_authors_link(const remote& r, const std::string& a, const std::string& b);
int run_authors_unlink(const remote& r, const std::string& author, const std::string& other);
struct history_request {
  std::string author;
  std::string since;   ///< empty: any time
  uint32_t limit = 100;
};
/// `sito authors history`: one JSON line per mention, newest first (the
/// mention form of `sito subscribe`), after a first line {"person_id", "members", "links"}.
int run_authors_history(const remote& r, const history_request& q);
/// Prints "sito: <message>" on stderr; returns 2.
int fail(const status& st);

}  // namespace sito::tool
