#include "sito/base/known_keys.hpp"

#include <algorithm>
#include <vector>

namespace sito {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> unknown_key_message(std::string_view key, std::initializer_list<std::string_view> known,
                                               std::string_view where) {
  if (std::find(known.begin(), known.end(), key) != known.end()) return std::nullopt;
  std::string_view best;
  size_t best_distance = 3;  // at most two edits away
  for (std::string_view k : known)
    if (const size_t d = edit_distance(key, k); d < best_distance && d < std::max<size_t>(k.size(), 2)) {
      best = k;
      best_distance = d;
    }
  std::string message = "unknown key '" + std::string(key) + "' in " + std::string(where);
  if (!best.empty()) return message + "; did you mean '" + std::string(best) + "'?";
  message += " (known:";
  for (std::string_view k : known) message += " " + std::string(k);
  return message + ")";
}

}  // namespace sito
