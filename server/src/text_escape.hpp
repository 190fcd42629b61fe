// Private: escaping for the Prometheus label values sitod writes by hand
// (log lines go through sito/server/json_log.hpp).
#pragma once

#include <string>
#include <string_view>

namespace sito::server {

/// `v` with backslash, double quote and newline escaped: valid inside the
/// quotes of a JSON log string and of a Prometheus label value.
inline std::string escape_quoted(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace sito::server
