#include "replaced_versions.hpp"

namespace sito::server::detail {

std::map<uint64_t, std::set<uint32_t>> topics_of_replaced(const store& db, batch_scanner& scanner,
                                                          const std::vector<stored_post>& batch) {
  std::map<uint64_t, std::set<uint32_t>> out;
  std::vector<post> earlier;
  std::vector<uint64_t> edit_offsets;
  for (const auto& sp : batch) {
    if (!sp.replaces) continue;
    auto old = db.read_post(*sp.replaces);
    if (!old.ok()) continue;  // dropped by retention: nothing to compare with
    earlier.push_back(std::move(old->p));
    edit_offsets.push_back(sp.offset);
  }
  if (earlier.empty()) return out;
  scan_output scanned;
  scanner.scan(earlier, scanned);
  for (const auto& m : scanned.matches) out[edit_offsets[m.post]].insert(m.topic);
  return out;
}

}  // namespace sito::server::detail
