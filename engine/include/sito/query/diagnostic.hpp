// File: sito/query/diagnostic.hpp
//
// A problem found in a query: where (byte offset, line, column), what, and a
// hint. Errors make a query unusable; warnings flag costly constructs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sito::query {

enum class severity : uint8_t {
  error,    ///< the query cannot be compiled
  warning,  ///< the query compiles but is costly or suspicious
};

struct diagnostic {
  severity level = severity::error;
  uint32_t offset = 0;  ///< byte offset into the query source
  uint32_t line = 1;    ///< 1-based line of `offset`
  uint32_t column = 1;  ///< 1-based column of `offset`, counted in code points
  std::string message;  ///< what is wrong, e.g. "unbalanced ')'"
  std::string hint;     ///< how to fix it, e.g. "NEAR needs a distance, e.g. NEAR/5"; may be empty
};

/// Fills line/column of `d` from `d.offset` within `source`.
void locate(std::string_view source, diagnostic& d);

/// "3:14: error: unbalanced ')' (hint: ...)" — one line, for logs and CLIs.
std::string format_one_line(const diagnostic& d);

/// The offending line of `source` with a caret under the column, then the
/// message and the hint, as `sito validate` prints it.
std::string format_with_caret(std::string_view source, const diagnostic& d);

}  // namespace sito::query
