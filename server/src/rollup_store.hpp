// File: server/src/rollup_store.hpp
//
// The RocksDB side of the rollups column family (sito/server/rollups.hpp):
// its merge operator (a batch's cells are merge operands, added up on read
// and by compaction) and its retention (a compaction filter that drops
// cells whose hour is older than the retention).
//
// Rollups are derived data: a cell whose bytes do not decode is skipped by
// the merge (counted in corrupt_cells()) instead of failing the read or the
// compaction, which would stop the store's writes.
//
// Thread-safety: RocksDB calls both from any thread; they hold no state but
// atomics.
#pragma once

#include <rocksdb/compaction_filter.h>
#include <rocksdb/merge_operator.h>

#include <atomic>
#include <cstdint>

namespace sito::server::detail {

class rollup_merge final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override;
  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* logger) const override;
  const char* Name() const override { return "sito.rollup.v1"; }
  bool AllowSingleOperand() const override { return false; }
  /// Cells skipped as undecodable since start.
  uint64_t corrupt_cells() const { return corrupt_.load(std::memory_order_relaxed); }

 private:
  mutable std::atomic<uint64_t> corrupt_{0};
};

class rollup_expiry final : public rocksdb::CompactionFilter {
 public:
  /// retention_ms <= 0: cells are kept forever.
  explicit rollup_expiry(int64_t retention_ms) : retention_ms_(retention_ms) {}
  Decision FilterV2(int level, const rocksdb::Slice& key, ValueType type, const rocksdb::Slice& existing_value,
                    std::string* new_value, std::string* skip_until) const override;
  const char* Name() const override { return "sito.rollup_expiry"; }

 private:
  int64_t retention_ms_;
};

}  // namespace sito::server::detail
