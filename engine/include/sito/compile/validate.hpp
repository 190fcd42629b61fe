// File: sito/compile/validate.hpp
//
// Checks one expression as an analyst writes it: a topic's query, an
// auto-tag's condition or a rule's `when`. It parses (errors and warnings
// with their position and a hint) and, when it parses, compiles it alone the
// way a topic would, so that what parses but cannot be planned (a term of
// punctuation only, a wildcard too short) is reported at its position too.
// `sito validate`, the protocol's Validate and sitod's playground all answer
// from this.
//
//   auto v = sito::validate_expression("доставк* NEAR/3 (", sito::expression_kind::query);
//   if (!v.ok) for (auto& d : v.diagnostics) std::cout << query::format_with_caret(text, d);
//
// Thread-safety: a pure function (it compiles a one-topic snapshot).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/query/diagnostic.hpp"

namespace sito {

/// What the expression is: it decides what it may test (a tag's or rule's
/// condition may be filters only, or negative, and may test the mention).
enum class expression_kind { query, tag, rule };

/// "query", "tag" or "rule"; invalid_argument otherwise.
result<expression_kind> parse_expression_kind(std::string_view name);

struct validation {
  bool ok = false;              ///< no error (warnings allowed)
  std::string canonical;        ///< the expression as sito prints it back, when it parses
  std::vector<query::diagnostic> diagnostics;  ///< errors and warnings, positions within the text
};

/// `with_channels`: the topic has channels, so its query may be empty or
/// filters only (always so for tags and rules). As a tag, `text` may also be
/// a whole definition in YAML/JSON flow form — `{path: …, query: …,
/// examples: […], counter_examples: […], min_similarity: …}` — whose keys,
/// query and examples are checked (semantic tags, issue 12).
validation validate_expression(std::string_view text, expression_kind kind, bool with_channels = false);

}  // namespace sito
