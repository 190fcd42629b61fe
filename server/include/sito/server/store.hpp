// File: sito/server/store.hpp
//
// sitod's durable state in one RocksDB database (column families):
//   posts      post-log offset (big-endian u64)          → store.StoredPost
//   mentions   tenant \0 mention offset (big-endian u64) → store.StoredMention
//   offsets    tenant \0 subscription name               → committed offset (u64)
//   topics     tenant \0 topic id                        → wire.Topic (finished buffer)
//   meta       "matched_watermark", "next_post", "next_mention/<tenant>", ...
//   post_ids   producer tenant \0 source \0 post id      → offset, content fingerprint, ingested_at_ms
//   rollups    tenant, topic, tag (length-prefixed), hour → rollup_cell (merge operands; rollups.hpp)
//   authors    tenant \0 'L' a \0 b  → "" (a recorded author link, a < b)
//              tenant \0 'B' a \0 b  → "" (a link an admin removed: blocked)
//              tenant \0 'H' author \0 mention offset (be64) → matched_at_ms (be64):
//              the history index, written with the mentions (author_graph.hpp)
//
// Guarantees:
//   * append_posts() returns after a synced WAL write: an acknowledged post
//     survives kill -9 of the process (and of the machine, as far as fsync goes).
//   * commit_matches() writes the mentions of a range of posts and moves the
//     matched watermark in one atomic WriteBatch: after a crash, matching
//     resumes at the watermark, so every stored post is matched exactly once
//     into the mention log.
//   * Mention offsets are gap-free per tenant, assigned in commit order.
//   * Rollups count every live mention exactly once, crash or not. The
//     matcher gathers the cells of its text mentions in memory and writes
//     them with a commit now and then (commit_matches with rollups), in
//     the same WriteBatch as a per-tenant mark: every live text mention
//     before the mark is counted. open() counts again the live text mentions after the mark (those a
//     crash left uncounted: at most the matcher's flush interval) from the
//     mention log and the post log. Mentions from pictures write their
//     cells with themselves (append_mentions with rollups) and backfills
//     none, so neither is counted again. Cells are kept for
//     rollup_retention_ms of their hour (a compaction filter), apart from
//     retention_bytes.
//   * Idempotent ingest: a post whose (producer tenant, source, id) was
//     accepted within dedup_window_ms is not stored again. Same content
//     (server/src/post_identity.hpp): a duplicate, reported to the caller
//     and never matched again. Other content: an edit, stored as a new post
//     whose stored_post::replaces names the version it replaces (the
//     matcher emits only the mentions that version would not have given).
//     The check and the append are one atomic step under the post-log
//     mutex, and the id records are written in the same WriteBatch as the
//     posts, so a re-send after a crash finds exactly what was acknowledged
//     or durable. Id records older than the window are dropped by a
//     compaction filter; a bloom filter keeps the lookup of a new id cheap.
//
//   * The history index is keyed by author id, not by person: a merge or a
//     split of persons re-keys nothing (a person's history reads the index
//     of each member id). Its entries go in the WriteBatch of the mentions
//     they index, with the links first recorded by those mentions' posts.
//     Entries older than retention_ms are dropped by a compaction filter;
//     one whose mention retention dropped by size is skipped on reading.
//
//   * Disk full and I/O errors: a write RocksDB cannot make fails with
//     `unavailable` (it is not acknowledged) and RocksDB stops taking
//     writes; health() says why. Writes are refused from then on, reads go
//     on (the database is reopened read-only), and the store reopens it for
//     writing at most once a second, from the next write or from
//     try_resume(): writing picks up by itself once space is back, and
//     health() turns ok again then. Nothing acknowledged is lost: a reopen
//     replays the WAL's intact records. A full disk fails the append of the
//     record, so nothing of the batch is stored; when only the fsync after
//     a complete record failed (an I/O error), the reopen replays that
//     record: the batch is stored without having been acknowledged (a
//     re-sent post is then a duplicate, and the matcher sees its commit
//     done: matched_watermark() has moved).
//
// Thread-safety: all methods are safe to call concurrently (RocksDB is);
// offsets are assigned under an internal mutex. append_posts() calls are
// serialized so post offsets follow call order.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/server/rollups.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

/// Fault drills (the server tests, the soak test): while `disk_full` is
/// set, every write to the store's files fails as on a full disk
/// (IOStatus::NoSpace, what RocksDB's POSIX files return on ENOSPC), at the
/// place a full disk fails it: appends to the WAL, the tables, the manifest.
struct store_faults {
  std::atomic<bool> disk_full{false};
};

/// Whether the store can write (store::health()).
struct store_health {
  bool ok = true;
  std::string reason;     ///< the failed write and RocksDB's message; empty when ok
  int64_t since_ms = 0;   ///< wall clock of the first failure of this episode
  uint64_t write_errors = 0;  ///< failed writes since open (foreground and background)
};

struct store_options {
  std::string path;                          ///< directory; created if missing
  uint64_t retention_bytes = 8ull << 30;     ///< posts + mentions beyond this are dropped oldest first
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  ///< posts and mentions older than this are dropped
  bool sync_writes = true;                   ///< fsync the WAL before append_posts returns
  /// Idempotent ingest window (see above); 0 turns the check off.
  int64_t dedup_window_ms = 7LL * 24 * 3600 * 1000;
  /// Rollup cells whose hour ended longer ago than this are dropped; <= 0: kept.
  int64_t rollup_retention_ms = 400LL * 24 * 3600 * 1000;
  /// false: open() counts nothing again (rollups are off: the mark moves
  /// to the end of each mention log).
  bool rollups = true;
  /// Set: writes fail on demand (store_faults). Unset in production.
  std::shared_ptr<store_faults> faults;
};

/// What append_posts() did with a batch.
struct append_result {
  /// Offset of the first stored post (the next offset when none was stored);
  /// the stored posts have consecutive offsets, in input order.
  uint64_t first_offset = 0;
  uint32_t stored = 0;
  /// Input indexes of the posts not stored: already accepted with the same
  /// content within the dedup window (or earlier in this batch).
  std::vector<uint32_t> duplicates;
  uint32_t edits = 0;  ///< stored posts that replace an earlier version
};

class store {
 public:
  static result<std::unique_ptr<store>> open(const store_options& options);
  ~store();

  // ---- post log -------------------------------------------------------
  /// Appends the posts that are not duplicates (see above), in order.
  /// Durable on return. ingested_at_ms is also the clock of the dedup window.
  result<append_result> append_posts(std::span<const post> posts, int64_t ingested_at_ms,
                                     const std::string& producer_tenant);
  /// Up to `max` posts with offset >= from, in order; stops early once the
  /// records read reach `max_bytes` (posts with images are large), but
  /// always returns at least one post when there is one.
  status read_posts(uint64_t from, size_t max, std::vector<stored_post>& out,
                    size_t max_bytes = SIZE_MAX) const;
  result<stored_post> read_post(uint64_t offset) const;
  /// The OCR lane read the post's images: stores `image_text` in the post's
  /// record and drops the image bytes (image_count stays), so that mentions
  /// delivered later carry the text their `image` highlights point into.
  /// Not synced (the text can be recomputed; see README "OCR" on restarts).
  /// not_found when retention already dropped the post.
  status set_post_image_text(uint64_t offset, const std::string& image_text);
  uint64_t next_post_offset() const;      ///< one past the last appended
  uint64_t first_post_offset() const;     ///< oldest retained
  /// Key + value bytes of the retained posts and mentions (what retention_bytes bounds).
  uint64_t stored_bytes() const;

  // ---- matching ---------------------------------------------------------
  /// Every post with offset < watermark has been matched.
  uint64_t matched_watermark() const;
  /// Atomically: assigns each mention its tenant's next offset (written into
  /// `mentions[i].offset`), stores them, and sets the watermark.
  /// Precondition: new_watermark >= matched_watermark(). `rollups`, when
  /// given, is written in the same batch and must count every live text
  /// mention committed since the last commit that carried rollups, up to
  /// this one (not its own: the next rollups carry them): each tenant's
  /// mark moves to where its log ended before this call (see "Rollups").
  status commit_matches(uint64_t new_watermark, std::span<mention_record> mentions,
                        const rollup_batch* rollups = nullptr);
  /// Stores mentions without moving the watermark: backfills, which pass
  /// no rollups, and mentions from pictures (from_image), which pass their
  /// own (open() never counts either again).
  status append_mentions(std::span<mention_record> mentions, const rollup_batch* rollups = nullptr);

  // ---- rollups -------------------------------------------------------------
  /// Calls `fn(hour, cell)` for each cell of the row `row_prefix`
  /// (rollup_row_prefix) with from_hour <= hour < to_hour, in hour order.
  status read_rollups(std::string_view row_prefix, int64_t from_hour, int64_t to_hour,
                      const std::function<void(int64_t hour, const rollup_cell& cell)>& fn) const;
  /// Rollup cells skipped as undecodable since open (never expected).
  uint64_t rollup_corrupt_cells() const;

  // ---- mention log ------------------------------------------------------
  status read_mentions(const std::string& tenant, uint64_t from, size_t max,
                       std::vector<mention_record>& out) const;
  uint64_t next_mention_offset(const std::string& tenant) const;
  uint64_t first_mention_offset(const std::string& tenant) const;  ///< oldest retained
  /// First offset whose matched_at_ms >= time_ms (next_mention_offset when none).
  result<uint64_t> mention_offset_at(const std::string& tenant, int64_t time_ms) const;

  /// The mention at `offset`, not_found when not retained.
  result<mention_record> read_mention(const std::string& tenant, uint64_t offset) const;

  // ---- authors (README "One author across platforms") -------------------
  /// One synced write of link changes of a tenant: `add` and `remove` the
  /// links (a, b), `block` and `unblock` the pairs. Ids must not contain NUL.
  struct author_link_change {
    std::vector<std::pair<std::string, std::string>> add, remove, block, unblock;
  };
  status write_author_links(const std::string& tenant, const author_link_change& change);
  /// Every stored link and block, tenant by tenant.
  status read_author_links(const std::function<void(const std::string& tenant, const std::string& a,
                                                    const std::string& b, bool blocked)>& fn) const;
  /// From the history index: the offsets of the mentions of `authors`
  /// with offset < before and matched_at_ms >= since_ms, newest first, at
  /// most `limit`.
  result<std::vector<uint64_t>> author_mentions(const std::string& tenant, std::span<const std::string> authors,
                                                int64_t since_ms, size_t limit,
                                                uint64_t before = UINT64_MAX) const;

  // ---- subscriptions ----------------------------------------------------
  status commit_offset(const std::string& tenant, const std::string& subscription, uint64_t offset);
  std::optional<uint64_t> committed_offset(const std::string& tenant, const std::string& subscription) const;

  // ---- topics -----------------------------------------------------------
  status put_topic(const topic_spec& topic);   ///< topic.tenant must be set
  /// All of them or none (one write).
  status put_topics(std::span<const topic_spec> topics);
  status delete_topic(const std::string& tenant, const std::string& id);  ///< not_found if absent
  /// Deletes those of `ids` that exist, all in one write (none on an error);
  /// returns the ids that did not exist.
  result<std::vector<std::string>> delete_topics(const std::string& tenant, std::span<const std::string> ids);
  /// An error when the store cannot be read (never an empty list instead).
  result<std::vector<topic_spec>> topics(const std::string& tenant) const;
  result<std::vector<topic_spec>> all_topics() const;

  // ---- retention --------------------------------------------------------
  /// Drops posts and mentions older than retention_ms, then the oldest until
  /// the estimated size is under retention_bytes. Returns how many records went.
  result<uint64_t> apply_retention(int64_t now_ms);

  // ---- health -----------------------------------------------------------
  /// Whether the last write succeeded (see "Disk full" above).
  store_health health() const;
  /// When writes stopped, reopens the database and reports whether it can
  /// write again (the server calls this on a timer, so /health recovers
  /// without waiting for a producer). A no-op when healthy.
  bool try_resume();

 private:
  store();
  /// open(): counts the live text mentions after each tenant's rollup mark.
  status replay_rollups();
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sito::server
