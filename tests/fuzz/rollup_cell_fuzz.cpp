// libFuzzer: the rollup cell decoder (sito/server/rollups.hpp), which reads
// bytes the store's merge operator and period queries take from disk, and
// the time parser of period queries (sito/server/period_stats.hpp), which
// takes text from the wire. A cell that decodes re-encodes to bytes that
// decode to the same cell, merges with itself without breaking the author
// set's invariants, and gives finite measures; any text gives a time or an
// error that says what was expected.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sito/server/period_stats.hpp"
#include "sito/server/rollups.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto t = sito::server::parse_time(bytes, "Europe/Moscow", 1'795'996'800'000); !t.ok()) {
    if (t.error().message().find("expected") == std::string::npos) std::abort();
  }
  auto cell = sito::server::rollup_cell::decode(bytes);
  if (!cell.ok()) return 0;
  const std::string again = cell->encode();
  auto back = sito::server::rollup_cell::decode(again);
  if (!back.ok() || back->encode() != again) std::abort();
  sito::server::rollup_cell twice = *cell;
  twice.merge(*back);
  if (twice.mentions != 2 * cell->mentions) std::abort();
  if (twice.authors.kept() > sito::server::author_set::exact_capacity) std::abort();
  sito::server::period_row r;
  sito::server::fill_measures(twice, r);
  if (!std::isfinite(r.loyalty) || !std::isfinite(r.er) || !std::isfinite(r.wom_share)) std::abort();
  return 0;
}
