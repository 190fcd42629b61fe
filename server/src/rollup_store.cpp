#include "rollup_store.hpp"

#include <chrono>
#include <string_view>

#include "sito/server/rollups.hpp"

namespace sito::server::detail {
namespace {

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

/// Adds the cell in `bytes` to `sum`; false (and nothing added) when it does not decode.
bool add_cell(std::string_view bytes, rollup_cell& sum, bool& any) {
  auto c = rollup_cell::decode(bytes);
  if (!c.ok()) return false;
  if (any)
    sum.merge(*c);
  else
    sum = std::move(c).value();
  any = true;
  return true;
}

}  // namespace

bool rollup_merge::FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const {
  rollup_cell sum;
  bool any = false;
  if (in.existing_value != nullptr && !add_cell(view(*in.existing_value), sum, any)) corrupt_.fetch_add(1);
  for (const auto& op : in.operand_list)
    if (!add_cell(view(op), sum, any)) corrupt_.fetch_add(1);
  out->new_value = sum.encode();
  return true;
}

bool rollup_merge::PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands,
                                     std::string* new_value, rocksdb::Logger*) const {
  rollup_cell sum;
  bool any = false;
  for (const auto& op : operands)
    if (!add_cell(view(op), sum, any)) corrupt_.fetch_add(1);
  *new_value = sum.encode();
  return true;
}

rollup_expiry::Decision rollup_expiry::FilterV2(int, const rocksdb::Slice& key, ValueType, const rocksdb::Slice&,
                                               std::string*, std::string*) const {
  if (retention_ms_ <= 0) return Decision::kKeep;
  int64_t hour = 0;
  if (!rollup_key_hour(view(key), hour)) return Decision::kRemove;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  // The cell's hour ends before the retention's start.
  return (hour + 1) * 3'600'000 < now_ms - retention_ms_ ? Decision::kRemove : Decision::kKeep;
}

}  // namespace sito::server::detail
