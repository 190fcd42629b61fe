// File: sito/server/server.hpp
//
// sitod: the appliance server (DESIGN §4, §5, §7).
//
//   auto cfg = sito::server::load_config("sitod.yaml");
//   auto srv = sito::server::sitod::create(*cfg);
//   SITO_RETURN_IF_ERROR((*srv)->start());
//   ... (*srv)->port() ...
//   (*srv)->stop();          // drains in-flight work, then returns
//
// Pipeline: sessions (Boost.Asio, I/O threads; TLS first when the config has
// `tls:`) hand PublishBatch frames to
// a worker pool that appends them durably to the post log (RocksDB, synced)
// before the PublishAck; one matcher thread reads the post log from the
// matched watermark, scans batches against the current ruleset snapshot
// on TBB workers and commits mentions plus the new watermark atomically;
// subscriptions read their tenant's mention log from their offset under
// credit-based flow control. Topic changes are compiled on the worker pool
// and swapped in atomically between matcher batches: every post is matched
// against exactly one snapshot.
//
// Thread-safety: create/start/stop from one controlling thread; everything
// else runs on the server's own threads.
//
// /metrics also has, per live subscription, sito_subscription_lag_mentions
// {tenant, subscription} (the tenant's next mention offset minus the
// subscription's next offset to deliver; the largest when several
// connections share a name) and sito_session_write_queue_frames.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sito/base/status.hpp"
#include "sito/server/config.hpp"

namespace sito::server {

class sitod {
 public:
  /// Opens the store and compiles the persisted topics (seeding tenants that
  /// have a topics_file and no topics yet), and loads the TLS certificate and
  /// key when configured: an unreadable or mismatched pair fails here, with
  /// the file and the reason. Does not listen yet.
  static result<std::unique_ptr<sitod>> create(const server_config& config);
  ~sitod();

  /// Binds the listeners (port 0: an ephemeral port) and starts the threads.
  status start();
  /// Stops accepting, lets the matcher finish the posts already acknowledged,
  /// closes sessions, joins threads. Idempotent.
  void stop();

  uint16_t port() const;       ///< the bound protocol port (after start)
  uint16_t http_port() const;  ///< the bound metrics port, 0 when disabled

  /// Applies a new config without a restart (sitod does on SIGHUP): the
  /// tenants and their tokens (a token the new config drops stays valid for
  /// limits.token_grace_seconds, so producers can rotate without a gap),
  /// ingest rate limits and connection limits. The other settings (listen,
  /// http, data_dir, tls, OCR, retention, dedup, frame and batch limits,
  /// alerts) need a restart: they keep their values and the returned list
  /// names those that differ (the log too). A new tenant's topics_file is
  /// read at the next start. The caller has parsed and validated `next`
  /// (load_config): a bad file never reaches here and the running config
  /// stays.
  std::vector<std::string> reload(const server_config& next);

  /// Blocks until every post appended so far has been matched (tests,
  /// shutdown); false when it stopped waiting because the store cannot
  /// write (then the matcher cannot commit: stop() does not hang on a full
  /// disk, and the posts are matched after the next start).
  bool wait_until_matched();

  /// The offset `tenant`'s subscribers committed under `subscription`, if
  /// any (commits are fire-and-forget on the wire: tests and operators
  /// await one by asking here).
  std::optional<uint64_t> committed_offset(const std::string& tenant, const std::string& subscription) const;

  struct impl;  ///< opaque; named here so the server's own sessions can reach it

 private:
  sitod();
  std::unique_ptr<impl> impl_;
};

}  // namespace sito::server
