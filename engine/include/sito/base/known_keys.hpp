// Unknown keys in configs and topics files: a typo must be an error, not a
// setting silently left at its default. Says which key, and which known key
// was probably meant (at most two edits away).
//
// Thread-safety: pure functions.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "sito/base/status.hpp"

namespace sito {

/// Edit distance between `a` and `b` (insertions, deletions, substitutions; bytes).
size_t edit_distance(std::string_view a, std::string_view b);

/// Nothing when `key` is one of `known`; otherwise the error text
/// "unknown key 'KEY' in WHERE; did you mean 'K'?" when a known key is at
/// most two edits away (and shorter keys closer still), else the known keys
/// listed: "unknown key 'KEY' in WHERE (known: a b c)".
std::optional<std::string> unknown_key_message(std::string_view key, std::initializer_list<std::string_view> known,
                                               std::string_view where);

/// Fails on the first key of the yaml-cpp map `node` that is not in `known`
/// (the caller includes yaml-cpp): "PREFIX: line N: unknown key … in WHAT…".
/// Anything but a map passes (its own reader says what it expected).
template <class YamlNode>
status check_known_keys(const YamlNode& node, std::initializer_list<std::string_view> known, const std::string& prefix,
                        std::string_view what) {
  if (!node.IsMap()) return ok_status();
  for (auto it = node.begin(); it != node.end(); ++it)
    if (auto message = unknown_key_message(it->first.Scalar(), known, what))
      return invalid_argument(prefix + ": line " + std::to_string(it->first.Mark().line + 1) + ": " + *message);
  return ok_status();
}

}  // namespace sito
