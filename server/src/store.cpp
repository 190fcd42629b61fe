// File: server/src/store.cpp
//
// The RocksDB implementation of sito::server::store (see store.hpp for the
// layout and the guarantees). Decisions worth knowing:
//
//   * Offsets are big-endian u64 keys, so byte order is log order and a
//     tenant's mentions (`tenant \0 be64`) form one contiguous key range.
//   * Every counter lives in memory and in the meta column family; the meta
//     value is written in the SAME WriteBatch as the records it counts, so a
//     crash can never leave the two out of step. open() restores each counter
//     from meta and, defensively, from the last key of its log.
//   * Post and mention batches are written with WriteOptions::sync =
//     store_options::sync_writes (fsync of the WAL before the call returns).
//     Topic writes are synced the same way. Subscription offsets are written
//     without sync: they survive a process crash (the WAL is in the OS page
//     cache); a power loss may move a committed offset back, which
//     at-least-once delivery tolerates.
//   * Retention size is a running byte counter (key + value bytes of posts and
//     mentions), persisted in meta and updated in the batches that add or drop
//     records. It is exact and deterministic, unlike GetApproximateSizes,
//     which only shrinks once compaction has run over range tombstones.
//   * Retention deletes with DeleteRange, then drops whole SST files in the
//     range and compacts it so that disk space actually comes back.
//   * Every write goes through impl::write. After a failed write (a full
//     disk, an I/O error: RocksDB's "background error", which stops its
//     writes) writes are refused until impl::reopen has closed and reopened
//     the database (read-only meanwhile, so reads go on): at most once a
//     second, from the next write or from try_resume(). A listener records
//     failures of flushes and compactions too, which no caller sees.
//   * mention_offset_at() is a binary search with point reads over the
//     tenant's contiguous offsets in one snapshot: matched_at_ms is
//     non-decreasing in commit order (the matcher's clock), so O(log n) reads.
#include "sito/server/store.hpp"

#include "rollup_store.hpp"

#include <flatbuffers/flatbuffers.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <queue>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "post_identity.hpp"
#include "sito/schemas/store_generated.h"

namespace sito::server {
namespace {

constexpr std::string_view k_meta_next_post = "next_post";
constexpr std::string_view k_meta_watermark = "matched_watermark";
constexpr std::string_view k_meta_post_bytes = "post_bytes";
constexpr std::string_view k_meta_mention_bytes = "mention_bytes";
constexpr std::string_view k_meta_next_mention = "next_mention/";  // + tenant
/// Every live text mention of the tenant before this offset is in the rollups.
constexpr std::string_view k_meta_rollup_next = "rollup_next/";  // + tenant
/// Set once rollups exist: a tenant without a rollup_next mark then starts at 0.
constexpr std::string_view k_meta_rollups_since = "rollups_since";

std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

uint64_t from_be64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::span<const uint8_t> bytes_of(const rocksdb::Slice& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
rocksdb::Slice slice(const std::vector<uint8_t>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

std::string post_key(uint64_t offset) { return be64(offset); }

/// `tenant \0 be64(offset)`; the tenant's range ends before `tenant \1`.
std::string tenant_key(const std::string& tenant, uint64_t offset) {
  std::string k = tenant;
  k.push_back('\0');
  k += be64(offset);
  return k;
}
std::string tenant_name_key(const std::string& tenant, const std::string& name) {
  std::string k = tenant;
  k.push_back('\0');
  k += name;
  return k;
}
std::string tenant_begin(const std::string& tenant) { return tenant + std::string(1, '\0'); }
std::string tenant_end(const std::string& tenant) { return tenant + std::string(1, '\1'); }

/// The offset of a `tenant \0 be64` key.
uint64_t mention_key_offset(std::string_view key) {
  return key.size() >= 8 ? from_be64(key.substr(key.size() - 8)) : 0;
}

status from_rocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string("store: ") + std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return not_found(std::move(msg));
  if (s.IsInvalidArgument()) return invalid_argument(std::move(msg));
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return unavailable(std::move(msg));
  return internal_error(std::move(msg));
}

status check_tenant(const std::string& tenant) {
  if (tenant.empty()) return invalid_argument("store: empty tenant");
  if (tenant.find('\0') != std::string::npos) return invalid_argument("store: tenant contains NUL");
  return ok_status();
}

/// FlatBuffers reads scalars in place: RocksDB slices need not be 8-aligned,
/// so misaligned bytes are copied into `storage` (operator new aligns to 16).
std::span<const uint8_t> aligned(std::span<const uint8_t> b, std::vector<uint8_t>& storage) {
  if (reinterpret_cast<uintptr_t>(b.data()) % alignof(uint64_t) == 0) return b;
  storage.assign(b.begin(), b.end());
  return storage;
}

/// ingested_at_ms of a stored post, read in place when the buffer verifies.
result<int64_t> post_time(const rocksdb::Slice& v) {
  std::vector<uint8_t> storage;
  auto b = aligned(bytes_of(v), storage);
  flatbuffers::Verifier ver(b.data(), b.size());
  if (ver.VerifyBuffer<sito::store::StoredPost>(nullptr))
    return flatbuffers::GetRoot<sito::store::StoredPost>(b.data())->ingested_at_ms();
  auto d = decode_stored_post(b);
  if (!d.ok()) return d.error();
  return d->ingested_at_ms;
}

/// matched_at_ms of a stored mention, read in place when the buffer verifies.
result<int64_t> mention_time(const rocksdb::Slice& v) {
  std::vector<uint8_t> storage;
  auto b = aligned(bytes_of(v), storage);
  flatbuffers::Verifier ver(b.data(), b.size());
  if (ver.VerifyBuffer<sito::store::StoredMention>(nullptr)) {
    const auto* m = flatbuffers::GetRoot<sito::store::StoredMention>(b.data())->mention();
    if (m != nullptr) return m->matched_at_ms();
  }
  auto d = decode_stored_mention(b);
  if (!d.ok()) return d.error();
  return d->matched_at_ms;
}

/// A post_ids record: the offset of the post stored under the id, its
/// content fingerprint and when it was accepted.
struct id_record {
  uint64_t offset = 0;
  uint64_t fingerprint = 0;
  int64_t ingested_at_ms = 0;
};
constexpr size_t id_record_bytes = 24;

std::string encode_id_record(const id_record& r) {
  return be64(r.offset) + be64(r.fingerprint) + be64(static_cast<uint64_t>(r.ingested_at_ms));
}

std::optional<id_record> decode_id_record(std::string_view v) {
  if (v.size() != id_record_bytes) return std::nullopt;
  return id_record{from_be64(v.substr(0, 8)), from_be64(v.substr(8, 8)),
                   static_cast<int64_t>(from_be64(v.substr(16, 8)))};
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Drops post_ids records older than the dedup window when RocksDB compacts
/// them (lookups check the window themselves, so this only bounds space).
class id_expiry final : public rocksdb::CompactionFilter {
 public:
  explicit id_expiry(int64_t window_ms) : window_ms_(window_ms) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
    if (window_ms_ <= 0) return true;  // dedup off: nothing needs keeping
    const auto r = decode_id_record(view(value));
    return !r || r->ingested_at_ms < wall_clock_ms() - window_ms_;
  }
  const char* Name() const override { return "sito.id_expiry"; }

 private:
  int64_t window_ms_;
};

/// authors' keys (store.hpp): `tenant \0 kind ...`.
constexpr char k_author_link = 'L';
constexpr char k_author_block = 'B';
constexpr char k_author_history = 'H';

std::string author_pair_key(const std::string& tenant, char kind, const std::string& a, const std::string& b) {
  std::string k = tenant;
  k.push_back('\0');
  k.push_back(kind);
  k += a;
  k.push_back('\0');
  k += b;
  return k;
}

/// `tenant \0 H author \0`: the prefix of one author's history entries.
std::string author_history_prefix(const std::string& tenant, const std::string& author) {
  std::string k = tenant;
  k.push_back('\0');
  k.push_back(k_author_history);
  k += author;
  k.push_back('\0');
  return k;
}

/// Drops history-index entries older than the mention retention (store.hpp).
class history_expiry final : public rocksdb::CompactionFilter {
 public:
  explicit history_expiry(int64_t retention_ms) : retention_ms_(retention_ms) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*, bool*) const override {
    const std::string_view k = view(key);
    const size_t nul = k.find('\0');
    if (nul == std::string_view::npos || nul + 1 >= k.size() || k[nul + 1] != k_author_history) return false;
    if (retention_ms_ <= 0 || value.size() != 8) return false;
    return static_cast<int64_t>(from_be64(view(value))) < wall_clock_ms() - retention_ms_;
  }
  const char* Name() const override { return "sito.history_expiry"; }

 private:
  int64_t retention_ms_;
};

struct tenant_state {
  uint64_t first = 0;  ///< oldest retained mention offset
  uint64_t next = 0;   ///< one past the last assigned
};

/// store_faults' file system: writes fail with NoSpace while disk_full is set.
class faulty_file final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  faulty_file(std::unique_ptr<rocksdb::FSWritableFile> f, std::shared_ptr<store_faults> faults)
      : FSWritableFileOwnerWrapper(std::move(f)), faults_(std::move(faults)) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return full();
    return FSWritableFileOwnerWrapper::Append(data, o, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return full();
    return FSWritableFileOwnerWrapper::Append(data, o, v, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return full();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return full();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, v, dbg);
  }
  rocksdb::IOStatus Allocate(uint64_t offset, uint64_t len, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full) return full();
    return FSWritableFileOwnerWrapper::Allocate(offset, len, o, dbg);
  }
  static rocksdb::IOStatus full() { return rocksdb::IOStatus::NoSpace("No space left on device (store_faults)"); }

 private:
  std::shared_ptr<store_faults> faults_;
};

class faulty_fs final : public rocksdb::FileSystemWrapper {
 public:
  explicit faulty_fs(std::shared_ptr<store_faults> faults)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), faults_(std::move(faults)) {}
  const char* Name() const override { return "sito_faulty_fs"; }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    return wrap(FileSystemWrapper::NewWritableFile(f, o, r, dbg), r);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    return wrap(FileSystemWrapper::ReopenWritableFile(f, o, r, dbg), r);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override {
    return wrap(FileSystemWrapper::ReuseWritableFile(f, old, o, r, dbg), r);
  }

 private:
  rocksdb::IOStatus wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (s.ok()) *r = std::make_unique<faulty_file>(std::move(*r), faults_);
    return s;
  }
  std::shared_ptr<store_faults> faults_;
};

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// store::health()'s state, fed by impl::write and by RocksDB's listener.
class write_health final : public rocksdb::EventListener {
 public:
  void failed(std::string reason) {
    std::lock_guard lk(mu_);
    ++state_.write_errors;
    if (state_.ok) state_.since_ms = wall_ms();
    state_.ok = false;
    state_.reason = std::move(reason);
    stopped_ = true;
  }
  /// A reopen failed too: the reason changes, the episode goes on.
  void still_failing(std::string reason) {
    std::lock_guard lk(mu_);
    state_.reason = std::move(reason);
  }
  bool stopped() const { return stopped_; }
  /// Failures so far: a reopen clears the state only if none came meanwhile.
  uint64_t errors() const {
    std::lock_guard lk(mu_);
    return state_.write_errors;
  }
  void succeeded_unless_failed_since(uint64_t errors_before) {
    std::lock_guard lk(mu_);
    if (state_.write_errors != errors_before) return;
    state_.ok = true;
    state_.reason.clear();
    state_.since_ms = 0;
    stopped_ = false;
  }
  store_health get() const {
    std::lock_guard lk(mu_);
    return state_;
  }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override {
    // A failed write of ours is also reported here: impl::write counts it.
    if (reason == rocksdb::BackgroundErrorReason::kWriteCallback) return;
    static constexpr const char* names[] = {"flush", "compaction", "write", "memtable", "manifest write",
                                            "flush (no WAL)", "manifest write (no WAL)"};
    const auto r = static_cast<size_t>(reason);
    failed(std::string("store: background ") + (r < std::size(names) ? names[r] : "work") + ": " + error->ToString());
  }

 private:
  mutable std::mutex mu_;
  store_health state_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

struct store::impl {
  store_options opt;
  rocksdb::DBOptions dbo;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  rocksdb::DB* db = nullptr;  ///< null only when a reopen failed both ways (see reopen)
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* posts = nullptr;
  rocksdb::ColumnFamilyHandle* mentions = nullptr;
  rocksdb::ColumnFamilyHandle* offsets = nullptr;
  rocksdb::ColumnFamilyHandle* topics = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* post_ids = nullptr;
  rocksdb::ColumnFamilyHandle* rollups = nullptr;
  rocksdb::ColumnFamilyHandle* authors = nullptr;
  std::unique_ptr<history_expiry> history_filter;  ///< authors' compaction filter; outlives db
  std::shared_ptr<detail::rollup_merge> rollup_merge = std::make_shared<detail::rollup_merge>();
  std::unique_ptr<detail::rollup_expiry> rollup_expiry;  ///< rollups' compaction filter; outlives db
  std::unique_ptr<id_expiry> expiry;  ///< post_ids' compaction filter; outlives db
  std::unique_ptr<rocksdb::Env> fault_env;  ///< store_options::faults' file system; outlives db
  std::shared_ptr<write_health> health = std::make_shared<write_health>();
  /// steady_clock milliseconds of the last reopen (0: none yet).
  std::atomic<int64_t> last_reopen_ms{0};
  uint64_t generation = 0;  ///< reopens so far; under db_mu
  static constexpr int64_t reopen_interval_ms = 1000;

  // Lock order: post_mu, mention_mu, topic_mu, then db_mu; state_mu is a leaf.
  std::mutex post_mu;     ///< serializes post-log writers (append, retention)
  std::mutex mention_mu;  ///< serializes mention-log writers and the watermark
  std::mutex topic_mu;    ///< makes delete_topic's check-then-delete atomic
  /// Shared by every use of `db`; unique while reopen() replaces it.
  mutable std::shared_mutex db_mu;
  mutable std::mutex state_mu;
  std::map<std::string, tenant_state> tenants;  ///< under state_mu

  std::atomic<uint64_t> next_post{0};
  std::atomic<uint64_t> first_post{0};
  std::atomic<uint64_t> watermark{0};
  std::atomic<uint64_t> post_bytes{0};     ///< written under post_mu
  std::atomic<uint64_t> mention_bytes{0};  ///< written under mention_mu

  ~impl() { close(); }

  status open_db(bool read_only) {
    rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(dbo, opt.path, descs, &handles, &db)
                                  : rocksdb::DB::Open(dbo, opt.path, descs, &handles, &db);
    if (!s.ok()) {
      db = nullptr;
      handles.clear();
      return from_rocks(s, std::string(read_only ? "open read-only " : "open ") + opt.path);
    }
    posts = handles[1];
    mentions = handles[2];
    offsets = handles[3];
    topics = handles[4];
    meta = handles[5];
    post_ids = handles[6];
    rollups = handles[7];
    authors = handles[8];
    return ok_status();
  }

  void close() {
    if (db == nullptr) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    (void)db->Close();
    delete db;
    db = nullptr;
  }

  /// What a call gets while the database is closed (see reopen).
  status closed() const { return unavailable("store: closed after a failure: " + health->get().reason); }

  /// After a write failed, RocksDB takes no write until it has recovered,
  /// and DB::Resume is not enough: in 7.8 it keeps a WAL writer that saw
  /// the error when every memtable is empty, and the next write aborts on
  /// that writer's assertion. A reopen starts clean: the WAL's intact
  /// records are replayed, the counters are restored from meta (written
  /// in the same batches), and a batch that failed was never acknowledged.
  /// While it cannot open for writing (the disk is still full), the store
  /// opens read-only, so reads go on. Takes every lock.
  /// `force`: now (try_resume); else only when a second has passed since the
  /// last attempt (the writers queued on the locks do not reopen in turn).
  bool reopen(bool force) {
    std::scoped_lock writers(post_mu, mention_mu, topic_mu);
    std::unique_lock lk(db_mu);
    if (!health->stopped()) return true;  // another thread did it
    if (!force && steady_ms() - last_reopen_ms.load() < reopen_interval_ms) return false;
    last_reopen_ms = steady_ms();
    ++generation;
    const uint64_t errors_before = health->errors();
    close();
    status st = open_db(false);
    if (st.ok()) st = recover();
    if (st.ok()) {
      health->succeeded_unless_failed_since(errors_before);  // a flush of the new one may have failed already
      return !health->stopped();
    }
    health->still_failing(st.message());
    close();
    (void)open_db(true);  // null db when even this fails: every call says closed()
    return false;
  }

  /// Called first by every write: a reopen at most once a second while
  /// writes are stopped, so the store comes back by itself once it can.
  void reopen_if_due() {
    if (health->stopped() && steady_ms() - last_reopen_ms.load() >= reopen_interval_ms) (void)reopen(false);
  }

  /// Every write of the store (see the top of the file on failures).
  /// Under db_mu (shared).
  status write(rocksdb::WriteBatch& batch, bool sync, std::string_view what) {
    if (health->stopped()) return unavailable("store: not writable (" + std::string(what) + "): " + health->get().reason);
    rocksdb::WriteOptions w;
    w.sync = sync;
    auto s = db->Write(w, &batch);
    if (!s.ok()) {
      status st = from_rocks(s, what);
      health->failed(st.message());
      return st;
    }
    return ok_status();
  }

  result<std::optional<uint64_t>> get_u64(rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                                         const rocksdb::Snapshot* snap = nullptr) const {
    if (db == nullptr) return closed();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    auto s = db->Get(ro, cf, slice(key), &v);
    if (s.IsNotFound()) return std::optional<uint64_t>{};
    if (!s.ok()) return from_rocks(s, std::string("read ") + std::string(key));
    return std::optional<uint64_t>{from_be64(v)};
  }

  status recover();
  status write_mentions(std::optional<uint64_t> new_watermark, std::span<mention_record> ms,
                        const rollup_batch* rollup_cells, bool rollups_cover_log = false);
};

status store::impl::recover() {
  // Post log.
  SITO_ASSIGN_OR_RETURN(auto np, get_u64(meta, k_meta_next_post));
  SITO_ASSIGN_OR_RETURN(auto wm, get_u64(meta, k_meta_watermark));
  SITO_ASSIGN_OR_RETURN(auto pb, get_u64(meta, k_meta_post_bytes));
  SITO_ASSIGN_OR_RETURN(auto mb, get_u64(meta, k_meta_mention_bytes));
  uint64_t next = np.value_or(0);
  uint64_t first = next;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), posts));
    it->SeekToLast();
    if (it->Valid()) next = std::max(next, from_be64(view(it->key())) + 1);
    it->SeekToFirst();
    first = it->Valid() ? from_be64(view(it->key())) : next;
    if (!it->status().ok()) return from_rocks(it->status(), "recover posts");
  }
  next_post = next;
  first_post = first;
  watermark = std::min(wm.value_or(0), next);
  post_bytes = pb.value_or(0);
  mention_bytes = mb.value_or(0);

  // Mention logs: meta counters, then every tenant present in the log.
  std::map<std::string, tenant_state> ts;
  {
    rocksdb::ReadOptions ro;
    std::string lower(k_meta_next_mention);
    std::string upper = lower;
    upper.back() = static_cast<char>(upper.back() + 1);
    rocksdb::Slice ub(upper);
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, meta));
    for (it->Seek(lower); it->Valid(); it->Next()) {
      std::string tenant(view(it->key()).substr(lower.size()));
      auto n = from_be64(view(it->value()));
      ts[tenant] = tenant_state{n, n};
    }
    if (!it->status().ok()) return from_rocks(it->status(), "recover mention counters");
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), mentions));
    it->SeekToFirst();
    while (it->Valid()) {
      std::string_view key = view(it->key());
      auto nul = key.find('\0');
      if (nul == std::string_view::npos) return internal_error("store: malformed mention key");
      std::string tenant(key.substr(0, nul));
      auto& t = ts[tenant];
      uint64_t lo = mention_key_offset(key);
      std::string end = tenant_end(tenant);
      it->SeekForPrev(tenant_key(tenant, std::numeric_limits<uint64_t>::max()));
      uint64_t hi = it->Valid() ? mention_key_offset(view(it->key())) : lo;
      t.first = lo;
      t.next = std::max(t.next, hi + 1);
      it->Seek(end);
    }
    if (!it->status().ok()) return from_rocks(it->status(), "recover mentions");
  }
  std::lock_guard lk(state_mu);
  tenants = std::move(ts);
  return ok_status();
}

result<std::unique_ptr<store>> store::open(const store_options& options) {
  if (options.path.empty()) return invalid_argument("store: empty path");
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return unavailable("store: cannot create " + options.path + ": " + ec.message());

  std::unique_ptr<store> st(new store());
  auto& im = *st->impl_;
  im.opt = options;
  rocksdb::DBOptions& dbo = im.dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.max_background_jobs = 2;
  dbo.keep_log_file_num = 4;
  // kPointInTimeRecovery (the default): a torn WAL tail is dropped, every
  // synced batch before it is replayed.
  dbo.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // The hash-bucketed memtable of post_ids does not take concurrent inserts
  // (post-log appends are serialized anyway).
  dbo.allow_concurrent_memtable_write = false;
  dbo.listeners.push_back(im.health);
  if (options.faults) {
    im.fault_env = rocksdb::NewCompositeEnv(std::make_shared<faulty_fs>(options.faults));
    dbo.env = im.fault_env.get();
  }

  rocksdb::ColumnFamilyOptions cfo;
  for (const char* name : {"default", "posts", "mentions", "offsets", "topics", "meta"})
    im.descs.emplace_back(name, cfo);
  // post_ids: point lookups of mostly new ids, so bloom filters in the
  // tables and the memtable answer "not there" without reading a block;
  // keys lead with a hash (post_identity.hpp), which buckets the memtable
  // (a random insert into one big skip list costs more than the rest of the
  // append) and keys the filters.
  im.expiry = std::make_unique<id_expiry>(options.dedup_window_ms);
  rocksdb::ColumnFamilyOptions ids = cfo;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  ids.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  ids.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(detail::dedup_key_prefix));
  ids.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 18));
  ids.memtable_prefix_bloom_size_ratio = 0.05;
  ids.memtable_whole_key_filtering = true;
  ids.compaction_filter = im.expiry.get();
  im.descs.emplace_back("post_ids", ids);
  rocksdb::ColumnFamilyOptions rolls = cfo;
  rolls.merge_operator = im.rollup_merge;
  im.rollup_expiry = std::make_unique<detail::rollup_expiry>(options.rollup_retention_ms);
  rolls.compaction_filter = im.rollup_expiry.get();
  im.descs.emplace_back("rollups", rolls);
  rocksdb::ColumnFamilyOptions auth = cfo;
  im.history_filter = std::make_unique<history_expiry>(options.retention_ms);
  auth.compaction_filter = im.history_filter.get();
  im.descs.emplace_back("authors", auth);
  SITO_RETURN_IF_ERROR(im.open_db(false));
  SITO_RETURN_IF_ERROR(im.recover());
  SITO_RETURN_IF_ERROR(st->replay_rollups());
  return st;
}

store::store() : impl_(std::make_unique<impl>()) {}
store::~store() = default;

// ---- post log ---------------------------------------------------------------

result<append_result> store::append_posts(std::span<const post> posts, int64_t ingested_at_ms,
                                          const std::string& producer_tenant) {
  auto& im = *impl_;
  im.reopen_if_due();
  std::lock_guard lk(im.post_mu);
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  append_result res;
  const uint64_t first = im.next_post.load();
  res.first_offset = first;
  if (posts.empty()) return res;

  // Which posts are stored, and which earlier version each edit replaces.
  const bool dedup = im.opt.dedup_window_ms > 0;
  const size_t n = posts.size();
  std::vector<std::string> keys;
  std::vector<uint64_t> prints;
  std::vector<bool> store_it(n, true);
  std::vector<std::optional<uint64_t>> replaces(n);
  if (dedup) {
    keys.reserve(n);
    prints.reserve(n);
    for (const post& p : posts) {
      keys.push_back(detail::dedup_key(producer_tenant, p));
      prints.push_back(detail::content_fingerprint(p));
    }
    // Looked up in key order, so that MultiGet needs no sort of its own.
    std::vector<uint32_t> by_key(n);
    for (uint32_t i = 0; i < n; ++i) by_key[i] = i;
    std::sort(by_key.begin(), by_key.end(), [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
    std::vector<rocksdb::Slice> key_slices(n);
    for (size_t k = 0; k < n; ++k) key_slices[k] = keys[by_key[k]];
    std::vector<rocksdb::PinnableSlice> sorted_values(n);
    std::vector<rocksdb::Status> sorted_found(n);
    im.db->MultiGet(rocksdb::ReadOptions(), im.post_ids, n, key_slices.data(), sorted_values.data(),
                    sorted_found.data(), /*sorted_input=*/true);
    std::vector<const rocksdb::PinnableSlice*> values(n);
    std::vector<const rocksdb::Status*> found(n);
    for (size_t k = 0; k < n; ++k) {
      values[by_key[k]] = &sorted_values[k];
      found[by_key[k]] = &sorted_found[k];
    }
    const int64_t oldest = ingested_at_ms - im.opt.dedup_window_ms;
    std::unordered_map<std::string_view, id_record> in_batch;  // the latest version stored by this batch
    uint64_t next = first;
    for (size_t i = 0; i < n; ++i) {
      std::optional<id_record> prev;
      if (auto it = in_batch.find(keys[i]); it != in_batch.end()) {
        prev = it->second;
      } else if (found[i]->ok()) {
        prev = decode_id_record(view(*values[i]));
        if (prev && prev->ingested_at_ms < oldest) prev.reset();  // outside the window: a new post
      } else if (!found[i]->IsNotFound()) {
        return from_rocks(*found[i], "look up post ids");
      }
      if (prev && prev->fingerprint == prints[i]) {
        store_it[i] = false;
        res.duplicates.push_back(static_cast<uint32_t>(i));
        continue;
      }
      if (prev) {
        replaces[i] = prev->offset;
        ++res.edits;
      }
      in_batch[keys[i]] = id_record{next++, prints[i], ingested_at_ms};
    }
  }

  // Reserved up front: grown by doubling, the batch's buffer was copied
  // again and again (1.4% of the samples at e2e saturation, perf -a).
  size_t estimate = 256;
  for (size_t i = 0; i < n; ++i)
    if (store_it[i]) estimate += 160 + posts[i].title.size() + posts[i].text.size() + posts[i].image_text.size();
  rocksdb::WriteBatch batch(estimate);
  uint64_t added = 0;
  uint64_t offset = first;
  for (size_t i = 0; i < n; ++i) {
    if (!store_it[i]) continue;
    std::string key = post_key(offset);
    auto value = encode_stored_post(posts[i], offset, ingested_at_ms, producer_tenant, replaces[i]);
    added += key.size() + value.size();
    auto s = batch.Put(im.posts, key, slice(value));
    // In input order: of two versions of one id in this batch, the later wins.
    if (s.ok() && dedup) s = batch.Put(im.post_ids, keys[i], encode_id_record({offset, prints[i], ingested_at_ms}));
    if (!s.ok()) return from_rocks(s, "append posts");
    ++offset;
  }
  res.stored = static_cast<uint32_t>(offset - first);
  if (res.stored == 0) return res;
  const uint64_t bytes = im.post_bytes.load() + added;
  (void)batch.Put(im.meta, slice(k_meta_next_post), be64(offset));
  (void)batch.Put(im.meta, slice(k_meta_post_bytes), be64(bytes));
  SITO_RETURN_IF_ERROR(im.write(batch, im.opt.sync_writes, "append posts"));
  im.post_bytes = bytes;
  im.next_post = offset;
  return res;
}

status store::read_posts(uint64_t from, size_t max, std::vector<stored_post>& out, size_t max_bytes) const {
  const auto& im = *impl_;
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  if (max == 0) return ok_status();
  rocksdb::ReadOptions ro;
  std::string lower = post_key(from);
  rocksdb::Slice lb(lower);
  ro.iterate_lower_bound = &lb;
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.posts));
  size_t n = 0, bytes = 0;
  for (it->Seek(lb); it->Valid() && n < max && (n == 0 || bytes < max_bytes); it->Next(), ++n) {
    bytes += it->value().size();
    auto d = decode_stored_post(bytes_of(it->value()));
    if (!d.ok())
      return {d.error().code(), "store: post " + std::to_string(from_be64(view(it->key()))) + ": " +
                                    d.error().message()};
    d->offset = from_be64(view(it->key()));
    out.push_back(std::move(d).value());
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read posts");
  return ok_status();
}

result<stored_post> store::read_post(uint64_t offset) const {
  const auto& im = *impl_;
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  std::string v;
  auto s = im.db->Get(rocksdb::ReadOptions(), im.posts, post_key(offset), &v);
  if (s.IsNotFound())
    return not_found("store: post " + std::to_string(offset) + " not retained (log holds [" +
                     std::to_string(im.first_post.load()) + ", " + std::to_string(im.next_post.load()) + "))");
  if (!s.ok()) return from_rocks(s, "read post " + std::to_string(offset));
  auto d = decode_stored_post({reinterpret_cast<const uint8_t*>(v.data()), v.size()});
  if (!d.ok()) return status(d.error().code(), "store: post " + std::to_string(offset) + ": " + d.error().message());
  d->offset = offset;
  return d;
}

status store::set_post_image_text(uint64_t offset, const std::string& image_text) {
  auto& im = *impl_;
  im.reopen_if_due();
  std::lock_guard lk(im.post_mu);  // one writer of post records and of post_bytes at a time
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  const std::string key = post_key(offset);
  std::string v;
  auto s = im.db->Get(rocksdb::ReadOptions(), im.posts, key, &v);
  if (s.IsNotFound()) return not_found("store: post " + std::to_string(offset) + " not retained");
  if (!s.ok()) return from_rocks(s, "read post " + std::to_string(offset));
  auto d = decode_stored_post({reinterpret_cast<const uint8_t*>(v.data()), v.size()});
  if (!d.ok()) return status(d.error().code(), "store: post " + std::to_string(offset) + ": " + d.error().message());
  d->p.image_count = std::max<uint32_t>(d->p.image_count, static_cast<uint32_t>(d->p.images.size()));
  d->p.images.clear();  // read once; the text stays, the pictures go
  d->p.image_text = image_text;
  auto value = encode_stored_post(d->p, offset, d->ingested_at_ms, d->producer_tenant);
  const uint64_t bytes = im.post_bytes.load() - std::min<uint64_t>(im.post_bytes.load(), v.size()) + value.size();
  rocksdb::WriteBatch batch;
  (void)batch.Put(im.posts, key, slice(value));
  (void)batch.Put(im.meta, slice(k_meta_post_bytes), be64(bytes));
  SITO_RETURN_IF_ERROR(im.write(batch, false, "update post " + std::to_string(offset)));
  im.post_bytes = bytes;
  return ok_status();
}

uint64_t store::next_post_offset() const { return impl_->next_post.load(); }
uint64_t store::first_post_offset() const { return impl_->first_post.load(); }
uint64_t store::stored_bytes() const { return impl_->post_bytes.load() + impl_->mention_bytes.load(); }

// ---- matching -----------------------------------------------------------------

uint64_t store::matched_watermark() const { return impl_->watermark.load(); }

status store::impl::write_mentions(std::optional<uint64_t> new_watermark, std::span<mention_record> ms,
                                   const rollup_batch* rollup_cells, bool rollups_cover_log) {
  reopen_if_due();
  std::lock_guard lk(mention_mu);
  std::shared_lock dl(db_mu);
  if (db == nullptr) return closed();
  if (new_watermark) {
    if (*new_watermark < watermark.load())
      return {status_code::failed_precondition, "store: watermark " + std::to_string(*new_watermark) +
                                                    " is below the matched watermark " +
                                                    std::to_string(watermark.load())};
    if (*new_watermark > next_post.load())
      return {status_code::failed_precondition, "store: watermark " + std::to_string(*new_watermark) +
                                                    " is past the post log end " + std::to_string(next_post.load())};
  }
  for (const auto& m : ms) SITO_RETURN_IF_ERROR(check_tenant(m.tenant));

  // Next offsets as of now; only this function (under mention_mu) advances them.
  std::map<std::string, uint64_t> next;
  {
    std::lock_guard sl(state_mu);
    for (const auto& m : ms) {
      if (next.count(m.tenant)) continue;
      auto it = tenants.find(m.tenant);
      next[m.tenant] = it == tenants.end() ? 0 : it->second.next;
    }
  }
  rocksdb::WriteBatch batch(256 + 384 * ms.size());  // reserved, as append_posts'
  uint64_t added = 0;
  for (auto& m : ms) {
    m.offset = next[m.tenant]++;
    std::string key = tenant_key(m.tenant, m.offset);
    auto value = encode_stored_mention(m);
    added += key.size() + value.size();
    auto s = batch.Put(mentions, key, slice(value));
    if (s.ok() && !m.author.empty() && m.author.find('\0') == std::string::npos)
      s = batch.Put(authors, author_history_prefix(m.tenant, m.author) + be64(m.offset), be64(static_cast<uint64_t>(m.matched_at_ms)));
    for (const auto& [a, b] : m.new_links)
      if (s.ok()) s = batch.Put(authors, author_pair_key(m.tenant, k_author_link, a, b), rocksdb::Slice());
    if (!s.ok()) return from_rocks(s, "commit mentions");
  }
  if (rollup_cells != nullptr) {
    rocksdb::Status merged;
    rollup_cells->for_each([&](const std::string& key, const rollup_cell& cell) {
      if (merged.ok()) merged = batch.Merge(rollups, key, cell.encode());
    });
    if (!merged.ok()) return from_rocks(merged, "commit rollups");
  }
  for (const auto& [tenant, n] : next)
    (void)batch.Put(meta, std::string(k_meta_next_mention) + tenant, be64(n));
  if (rollups_cover_log) {
    // The mark of every tenant: the end of its log before this batch (whose
    // mentions the next rollups carry).
    std::lock_guard sl(state_mu);
    for (const auto& [tenant, t] : tenants) (void)batch.Put(meta, std::string(k_meta_rollup_next) + tenant, be64(t.next));
  }
  const uint64_t bytes = mention_bytes.load() + added;
  if (!ms.empty()) (void)batch.Put(meta, slice(k_meta_mention_bytes), be64(bytes));
  if (new_watermark) (void)batch.Put(meta, slice(k_meta_watermark), be64(*new_watermark));
  if (batch.Count() == 0) return ok_status();
  SITO_RETURN_IF_ERROR(write(batch, opt.sync_writes, "commit mentions"));

  mention_bytes = bytes;
  {
    std::lock_guard sl(state_mu);
    for (const auto& [tenant, n] : next) {
      auto [it, fresh] = tenants.try_emplace(tenant);
      it->second.next = n;
      (void)fresh;
    }
  }
  if (new_watermark) watermark = *new_watermark;
  return ok_status();
}

status store::commit_matches(uint64_t new_watermark, std::span<mention_record> mentions,
                             const rollup_batch* rollups) {
  return impl_->write_mentions(new_watermark, mentions, rollups, /*rollups_cover_log=*/rollups != nullptr);
}

status store::append_mentions(std::span<mention_record> mentions, const rollup_batch* rollups) {
  return impl_->write_mentions(std::nullopt, mentions, rollups);
}

// ---- rollups --------------------------------------------------------------------

status store::read_rollups(std::string_view row_prefix, int64_t from_hour, int64_t to_hour,
                           const std::function<void(int64_t hour, const rollup_cell& cell)>& fn) const {
  const auto& im = *impl_;
  if (from_hour >= to_hour) return ok_status();
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  rocksdb::ReadOptions ro;
  const std::string lower = rollup_key(row_prefix, from_hour), upper = rollup_key(row_prefix, to_hour);
  rocksdb::Slice lb(lower), ub(upper);
  ro.iterate_lower_bound = &lb;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.rollups));
  for (it->Seek(lb); it->Valid(); it->Next()) {
    const std::string_view key = view(it->key());
    int64_t hour = 0;
    if (key.size() != lower.size() || !rollup_key_hour(key, hour)) continue;  // another row's longer key
    auto cell = rollup_cell::decode(view(it->value()));
    if (!cell.ok()) return {cell.error().code(), "store: rollup at hour " + std::to_string(hour) + ": " +
                                                      cell.error().message()};
    fn(hour, *cell);
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read rollups");
  return ok_status();
}

uint64_t store::rollup_corrupt_cells() const { return impl_->rollup_merge->corrupt_cells(); }

status store::replay_rollups() {
  auto& im = *impl_;
  std::map<std::string, tenant_state> tenants;
  {
    std::lock_guard sl(im.state_mu);
    tenants = im.tenants;
  }
  SITO_ASSIGN_OR_RETURN(auto since, im.get_u64(im.meta, k_meta_rollups_since));
  if (!since || !im.opt.rollups) {
    // Rollups start now (a store from before them, or rollups off): nothing
    // already in the logs is counted.
    rocksdb::WriteBatch batch;
    (void)batch.Put(im.meta, slice(k_meta_rollups_since), be64(static_cast<uint64_t>(wall_clock_ms())));
    for (const auto& [tenant, t] : tenants)
      (void)batch.Put(im.meta, std::string(k_meta_rollup_next) + tenant, be64(t.next));
    std::shared_lock dl(im.db_mu);
    return im.write(batch, im.opt.sync_writes, "rollup marks");
  }
  for (const auto& [tenant, t] : tenants) {
    SITO_ASSIGN_OR_RETURN(auto mark, im.get_u64(im.meta, std::string(k_meta_rollup_next) + tenant));
    uint64_t from = std::max(mark.value_or(0), t.first);
    if (from >= t.next) continue;
    rollup_batch cells;
    std::vector<mention_record> ms;
    for (uint64_t at = from; at < t.next;) {
      ms.clear();
      SITO_RETURN_IF_ERROR(read_mentions(tenant, at, 4096, ms));
      if (ms.empty()) break;
      at = ms.back().offset + 1;
      for (const auto& m : ms) {
        if (m.backfill || m.from_image) continue;  // never counted, or counted with themselves
        auto sp = read_post(m.post_offset);
        if (!sp.ok()) continue;  // retention dropped the post
        cells.add(m, sp->p, sp->ingested_at_ms);
      }
    }
    rocksdb::WriteBatch batch;
    rocksdb::Status merged;
    cells.for_each([&](const std::string& key, const rollup_cell& cell) {
      if (merged.ok()) merged = batch.Merge(im.rollups, key, cell.encode());
    });
    if (!merged.ok()) return from_rocks(merged, "replay rollups");
    (void)batch.Put(im.meta, std::string(k_meta_rollup_next) + tenant, be64(t.next));
    std::shared_lock dl(im.db_mu);
    SITO_RETURN_IF_ERROR(im.write(batch, im.opt.sync_writes, "replay rollups"));
  }
  return ok_status();
}

// ---- mention log ----------------------------------------------------------------

status store::read_mentions(const std::string& tenant, uint64_t from, size_t max,
                            std::vector<mention_record>& out) const {
  const auto& im = *impl_;
  if (max == 0 || !check_tenant(tenant).ok()) return ok_status();
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  rocksdb::ReadOptions ro;
  std::string lower = tenant_key(tenant, from);
  std::string upper = tenant_end(tenant);
  rocksdb::Slice lb(lower), ub(upper);
  ro.iterate_lower_bound = &lb;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.mentions));
  size_t n = 0;
  for (it->Seek(lb); it->Valid() && n < max; it->Next(), ++n) {
    const uint64_t off = mention_key_offset(view(it->key()));
    auto d = decode_stored_mention(bytes_of(it->value()));
    if (!d.ok())
      return {d.error().code(), "store: mention " + tenant + "/" + std::to_string(off) + ": " + d.error().message()};
    d->offset = off;
    d->tenant = tenant;
    out.push_back(std::move(d).value());
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read mentions");
  return ok_status();
}

result<mention_record> store::read_mention(const std::string& tenant, uint64_t offset) const {
  std::vector<mention_record> one;
  SITO_RETURN_IF_ERROR(read_mentions(tenant, offset, 1, one));
  if (one.empty() || one.front().offset != offset)
    return not_found("store: mention " + tenant + "/" + std::to_string(offset) + " not retained");
  return std::move(one.front());
}

// ---- authors ----------------------------------------------------------------------

status store::write_author_links(const std::string& tenant, const author_link_change& change) {
  auto& im = *impl_;
  SITO_RETURN_IF_ERROR(check_tenant(tenant));
  im.reopen_if_due();
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  rocksdb::WriteBatch batch;
  rocksdb::Status s;
  auto each = [&](const std::vector<std::pair<std::string, std::string>>& pairs, char kind, bool put) {
    for (const auto& [a, b] : pairs) {
      if (!s.ok()) return;
      const std::string key = author_pair_key(tenant, kind, std::min(a, b), std::max(a, b));
      s = put ? batch.Put(im.authors, key, rocksdb::Slice()) : batch.Delete(im.authors, key);
    }
  };
  for (const auto* v : {&change.add, &change.remove, &change.block, &change.unblock})
    for (const auto& [a, b] : *v)
      if (a.find('\0') != std::string::npos || b.find('\0') != std::string::npos)
        return invalid_argument("store: an author id contains NUL");
  each(change.remove, k_author_link, false);
  each(change.unblock, k_author_block, false);
  each(change.add, k_author_link, true);
  each(change.block, k_author_block, true);
  if (!s.ok()) return from_rocks(s, "write author links");
  if (batch.Count() == 0) return ok_status();
  return im.write(batch, im.opt.sync_writes, "write author links");
}

status store::read_author_links(const std::function<void(const std::string& tenant, const std::string& a,
                                                         const std::string& b, bool blocked)>& fn) const {
  const auto& im = *impl_;
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(rocksdb::ReadOptions(), im.authors));
  it->SeekToFirst();
  while (it->Valid()) {
    const std::string_view k = view(it->key());
    const size_t nul = k.find('\0');
    if (nul == std::string_view::npos || nul + 1 >= k.size()) {
      it->Next();
      continue;
    }
    const std::string tenant(k.substr(0, nul));
    const char kind = k[nul + 1];
    if (kind == k_author_history) {  // skip the tenant's whole history index
      std::string next = tenant;
      next.push_back('\0');
      next.push_back(static_cast<char>(k_author_history + 1));
      it->Seek(next);
      continue;
    }
    const std::string_view rest = k.substr(nul + 2);
    const size_t sep = rest.find('\0');
    if ((kind == k_author_link || kind == k_author_block) && sep != std::string_view::npos)
      fn(tenant, std::string(rest.substr(0, sep)), std::string(rest.substr(sep + 1)), kind == k_author_block);
    it->Next();
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read author links");
  return ok_status();
}

result<std::vector<uint64_t>> store::author_mentions(const std::string& tenant, std::span<const std::string> authors,
                                                     int64_t since_ms, size_t limit, uint64_t before) const {
  const auto& im = *impl_;
  SITO_RETURN_IF_ERROR(check_tenant(tenant));
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  std::vector<uint64_t> found;
  if (limit == 0) return found;
  // Each member's newest `limit` entries, then the newest `limit` of all.
  const rocksdb::Snapshot* snap = im.db->GetSnapshot();
  for (const std::string& author : authors) {
    if (author.find('\0') != std::string::npos) continue;
    const std::string lower = author_history_prefix(tenant, author);
    std::string upper = lower;
    upper.back() = '\1';
    rocksdb::Slice lb(lower), ub(upper);
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ro.iterate_lower_bound = &lb;
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.authors));
    size_t n = 0;
    for (it->SeekForPrev(before == 0 ? lower : lower + be64(before - 1)); it->Valid() && n < limit; it->Prev(), ++n) {
      if (static_cast<int64_t>(from_be64(view(it->value()))) < since_ms) break;  // older ones follow
      found.push_back(mention_key_offset(view(it->key())));
    }
    if (!it->status().ok()) {
      im.db->ReleaseSnapshot(snap);
      return from_rocks(it->status(), "read author history");
    }
  }
  im.db->ReleaseSnapshot(snap);
  std::sort(found.begin(), found.end(), std::greater<>());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  if (found.size() > limit) found.resize(limit);
  return found;
}

uint64_t store::next_mention_offset(const std::string& tenant) const {
  std::lock_guard lk(impl_->state_mu);
  auto it = impl_->tenants.find(tenant);
  return it == impl_->tenants.end() ? 0 : it->second.next;
}

uint64_t store::first_mention_offset(const std::string& tenant) const {
  std::lock_guard lk(impl_->state_mu);
  auto it = impl_->tenants.find(tenant);
  return it == impl_->tenants.end() ? 0 : it->second.first;
}

result<uint64_t> store::mention_offset_at(const std::string& tenant, int64_t time_ms) const {
  const auto& im = *impl_;
  // `next` before the snapshot: every offset below it is visible in the snapshot.
  const uint64_t next = next_mention_offset(tenant);
  if (!check_tenant(tenant).ok()) return next;
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  rocksdb::ManagedSnapshot snap(im.db);
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.snapshot();
  uint64_t lo = next;
  {
    std::string lower = tenant_begin(tenant), upper = tenant_end(tenant);
    rocksdb::Slice lb(lower), ub(upper);
    ro.iterate_lower_bound = &lb;
    ro.iterate_upper_bound = &ub;
    std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.mentions));
    it->Seek(lb);
    if (it->Valid()) lo = std::min(next, mention_key_offset(view(it->key())));
    if (!it->status().ok()) return from_rocks(it->status(), "mention_offset_at");
    ro.iterate_lower_bound = nullptr;
    ro.iterate_upper_bound = nullptr;
  }
  // Binary search for the first offset in [lo, next) with matched_at_ms >= time_ms.
  uint64_t hi = next;
  std::string v;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    auto s = im.db->Get(ro, im.mentions, tenant_key(tenant, mid), &v);
    if (s.IsNotFound()) {  // cannot happen within one snapshot; treat as older
      lo = mid + 1;
      continue;
    }
    if (!s.ok()) return from_rocks(s, "mention_offset_at");
    SITO_ASSIGN_OR_RETURN(int64_t t, mention_time(rocksdb::Slice(v)));
    if (t >= time_ms)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// ---- subscriptions -----------------------------------------------------------------

status store::commit_offset(const std::string& tenant, const std::string& subscription, uint64_t offset) {
  SITO_RETURN_IF_ERROR(check_tenant(tenant));
  auto& im = *impl_;
  im.reopen_if_due();
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  rocksdb::WriteBatch batch;
  (void)batch.Put(im.offsets, tenant_name_key(tenant, subscription), be64(offset));
  return im.write(batch, false, "commit offset");
}

std::optional<uint64_t> store::committed_offset(const std::string& tenant, const std::string& subscription) const {
  if (!check_tenant(tenant).ok()) return std::nullopt;
  std::shared_lock dl(impl_->db_mu);
  auto r = impl_->get_u64(impl_->offsets, tenant_name_key(tenant, subscription));
  if (!r.ok()) return std::nullopt;
  return *r;
}

// ---- topics -------------------------------------------------------------------------

namespace {
result<topic_spec> decode_topic(const rocksdb::Slice& v, const std::string& tenant) {
  std::vector<uint8_t> storage;
  auto b = aligned(bytes_of(v), storage);
  flatbuffers::Verifier ver(b.data(), b.size());
  if (!ver.VerifyBuffer<sito::wire::Topic>(nullptr)) return internal_error("store: corrupt topic record");
  return protocol::topic_from_wire(*flatbuffers::GetRoot<sito::wire::Topic>(b.data()), tenant);
}
}  // namespace

status store::put_topic(const topic_spec& topic) { return put_topics(std::span<const topic_spec>(&topic, 1)); }

status store::put_topics(std::span<const topic_spec> topics) {
  auto& im = *impl_;
  std::vector<std::pair<std::string, std::string>> records;  // encoded outside the locks
  for (const auto& topic : topics) {
    SITO_RETURN_IF_ERROR(check_tenant(topic.tenant));
    if (topic.id.empty()) return invalid_argument("store: topic without id");
    flatbuffers::FlatBufferBuilder b;
    b.Finish(protocol::topic_to_wire(b, topic));
    records.emplace_back(tenant_name_key(topic.tenant, topic.id),
                         std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()));
  }
  if (topics.empty()) return ok_status();
  im.reopen_if_due();
  std::lock_guard lk(im.topic_mu);
  std::shared_lock dl(im.db_mu);  // the column family handles change with a reopen
  if (im.db == nullptr) return im.closed();
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : records) (void)batch.Put(im.topics, key, value);
  const std::string what = topics.size() == 1 ? "put topic " + topics[0].tenant + "/" + topics[0].id
                                              : "put " + std::to_string(topics.size()) + " topics";
  return im.write(batch, im.opt.sync_writes, what);
}

status store::delete_topic(const std::string& tenant, const std::string& id) {
  SITO_ASSIGN_OR_RETURN(auto missing, delete_topics(tenant, std::span<const std::string>(&id, 1)));
  if (!missing.empty()) return not_found("store: topic " + tenant + "/" + id + " does not exist");
  return ok_status();
}

result<std::vector<std::string>> store::delete_topics(const std::string& tenant, std::span<const std::string> ids) {
  SITO_RETURN_IF_ERROR(check_tenant(tenant));
  auto& im = *impl_;
  im.reopen_if_due();
  std::lock_guard lk(im.topic_mu);  // the check and the delete as one step
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  std::vector<std::string> missing;
  rocksdb::WriteBatch batch;
  for (const auto& id : ids) {
    const std::string key = tenant_name_key(tenant, id);
    std::string v;
    auto s = im.db->Get(rocksdb::ReadOptions(), im.topics, key, &v);
    if (s.IsNotFound()) {
      missing.push_back(id);
      continue;
    }
    if (!s.ok()) return from_rocks(s, "delete topic " + tenant + "/" + id);
    (void)batch.Delete(im.topics, key);
  }
  if (batch.Count() > 0) SITO_RETURN_IF_ERROR(im.write(batch, im.opt.sync_writes, "delete topics of " + tenant));
  return missing;
}

result<std::vector<topic_spec>> store::topics(const std::string& tenant) const {
  std::vector<topic_spec> out;
  if (!check_tenant(tenant).ok()) return out;
  const auto& im = *impl_;
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  rocksdb::ReadOptions ro;
  std::string lower = tenant_begin(tenant), upper = tenant_end(tenant);
  rocksdb::Slice lb(lower), ub(upper);
  ro.iterate_lower_bound = &lb;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.topics));
  for (it->Seek(lb); it->Valid(); it->Next()) {
    auto t = decode_topic(it->value(), tenant);
    if (t.ok()) out.push_back(std::move(t).value());
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read topics of " + tenant);
  return out;
}

result<std::vector<topic_spec>> store::all_topics() const {
  std::vector<topic_spec> out;
  const auto& im = *impl_;
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr) return im.closed();
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(rocksdb::ReadOptions(), im.topics));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = view(it->key());
    auto nul = key.find('\0');
    if (nul == std::string_view::npos) continue;
    auto t = decode_topic(it->value(), std::string(key.substr(0, nul)));
    if (t.ok()) out.push_back(std::move(t).value());
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read topics");
  return out;
}

// ---- retention -------------------------------------------------------------------------

namespace {

/// Walks one log (the posts, or one tenant's mentions) from its oldest record
/// up to a bound, counting what it passes: everything passed gets deleted.
struct log_cursor {
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  std::string tenant;  ///< empty for the post log
  uint64_t begin = 0;  ///< first offset of the range to delete
  uint64_t end = 0;    ///< never delete at or past this offset
  std::string upper;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
  bool valid = false;
  uint64_t offset = 0;  ///< current record; the delete range is [begin, offset)
  int64_t time = 0;     ///< current record's timestamp
  uint64_t size = 0;    ///< current record's key + value bytes
  uint64_t bytes = 0;   ///< bytes passed
  uint64_t count = 0;   ///< records passed

  std::string key(uint64_t off) const { return tenant.empty() ? post_key(off) : tenant_key(tenant, off); }

  status start(rocksdb::DB* db) {
    rocksdb::ReadOptions ro;
    upper = key(end);
    upper_slice = rocksdb::Slice(upper);
    ro.iterate_upper_bound = &upper_slice;
    it.reset(db->NewIterator(ro, cf));
    it->Seek(key(begin));
    return load();
  }
  status load() {
    valid = it->Valid();
    if (!valid) {
      offset = end;
      if (!it->status().ok()) return from_rocks(it->status(), "retention scan");
      return ok_status();
    }
    std::string_view k = view(it->key());
    offset = tenant.empty() ? from_be64(k) : mention_key_offset(k);
    size = it->key().size() + it->value().size();
    auto t = tenant.empty() ? post_time(it->value()) : mention_time(it->value());
    if (!t.ok()) return t.error();
    time = *t;
    return ok_status();
  }
  status advance() {
    bytes += size;
    ++count;
    it->Next();
    return load();
  }
};

}  // namespace

result<uint64_t> store::apply_retention(int64_t now_ms) {
  auto& im = *impl_;
  struct range {
    rocksdb::ColumnFamilyHandle* cf;
    std::string begin, end;
  };
  std::vector<range> deleted;
  uint64_t removed = 0;
  im.reopen_if_due();
  uint64_t generation = 0;
  {
    std::lock_guard pl(im.post_mu);
    std::lock_guard ml(im.mention_mu);
    std::shared_lock dl(im.db_mu);  // before the cursors: their iterators go first
    if (im.db == nullptr) return im.closed();
    generation = im.generation;

    std::vector<std::unique_ptr<log_cursor>> cursors;
    {
      auto c = std::make_unique<log_cursor>();
      c->cf = im.posts;
      c->begin = im.first_post.load();
      c->end = std::max(c->begin, im.watermark.load());  // unmatched posts are never dropped
      cursors.push_back(std::move(c));
    }
    {
      std::lock_guard sl(im.state_mu);
      for (const auto& [tenant, t] : im.tenants) {
        auto c = std::make_unique<log_cursor>();
        c->cf = im.mentions;
        c->tenant = tenant;
        c->begin = t.first;
        c->end = t.next;
        cursors.push_back(std::move(c));
      }
    }
    for (auto& c : cursors) SITO_RETURN_IF_ERROR(c->start(im.db));

    // Age: everything older than the cutoff, scanning from the oldest.
    const int64_t cutoff =
        im.opt.retention_ms > 0 && now_ms > std::numeric_limits<int64_t>::min() + im.opt.retention_ms
            ? now_ms - im.opt.retention_ms
            : std::numeric_limits<int64_t>::min();
    for (auto& c : cursors)
      while (c->valid && c->time < cutoff) SITO_RETURN_IF_ERROR(c->advance());

    // Size: the oldest record of all logs next, until under the limit.
    uint64_t total = im.post_bytes.load() + im.mention_bytes.load();
    for (auto& c : cursors) total -= std::min(total, c->bytes);
    if (total > im.opt.retention_bytes) {
      using entry = std::pair<int64_t, size_t>;  // (time, cursor index), oldest first
      std::priority_queue<entry, std::vector<entry>, std::greater<>> heap;
      for (size_t i = 0; i < cursors.size(); ++i)
        if (cursors[i]->valid) heap.emplace(cursors[i]->time, i);
      while (total > im.opt.retention_bytes && !heap.empty()) {
        const size_t i = heap.top().second;
        heap.pop();
        auto& c = *cursors[i];
        total -= std::min(total, c.size);
        SITO_RETURN_IF_ERROR(c.advance());
        if (c.valid) heap.emplace(c.time, i);
      }
    }

    rocksdb::WriteBatch batch;
    uint64_t post_gone = 0, mention_gone = 0;
    for (auto& c : cursors) {
      if (c->count == 0) continue;
      removed += c->count;
      (c->tenant.empty() ? post_gone : mention_gone) += c->bytes;
      auto s = batch.DeleteRange(c->cf, c->key(c->begin), c->key(c->offset));
      if (!s.ok()) return from_rocks(s, "retention");
      deleted.push_back({c->cf, c->key(c->begin), c->key(c->offset)});
    }
    if (batch.Count() == 0) return uint64_t{0};
    const uint64_t pb = im.post_bytes.load() - std::min(im.post_bytes.load(), post_gone);
    const uint64_t mb = im.mention_bytes.load() - std::min(im.mention_bytes.load(), mention_gone);
    (void)batch.Put(im.meta, slice(k_meta_post_bytes), be64(pb));
    (void)batch.Put(im.meta, slice(k_meta_mention_bytes), be64(mb));
    SITO_RETURN_IF_ERROR(im.write(batch, im.opt.sync_writes, "retention"));
    im.post_bytes = pb;
    im.mention_bytes = mb;
    std::lock_guard sl(im.state_mu);
    for (auto& c : cursors) {
      if (c->count == 0) continue;
      if (c->tenant.empty())
        im.first_post = c->offset;
      else
        im.tenants[c->tenant].first = c->offset;
    }
  }
  // Give the space back: drop SST files wholly inside the deleted ranges and
  // compact the rest of them (outside the locks; writers go on meanwhile),
  // unless a reopen replaced the column family handles in between.
  std::shared_lock dl(im.db_mu);
  if (im.db == nullptr || im.generation != generation) return removed;
  for (const auto& r : deleted) {
    rocksdb::Slice b(r.begin), e(r.end);
    (void)rocksdb::DeleteFilesInRange(im.db, r.cf, &b, &e, false);
    rocksdb::CompactRangeOptions co;
    co.exclusive_manual_compaction = false;
    (void)im.db->CompactRange(co, r.cf, &b, &e);
  }
  return removed;
}

// ---- health ---------------------------------------------------------------------

store_health store::health() const { return impl_->health->get(); }

bool store::try_resume() { return !impl_->health->stopped() || impl_->reopen(true); }

}  // namespace sito::server
