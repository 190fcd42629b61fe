// File: sito/query/parser.hpp
//
// Parses the sito query language (DESIGN §3) into an AST.
//
//   auto parsed = sito::query::parse("flowwow NEAR/3 (доставка OR курьер) -вакансия");
//   for (auto& d : parsed.diagnostics) std::cerr << format_one_line(d) << "\n";
//   if (parsed.root) use(*parsed.root);
//
// Grammar, loosest to tightest:
//   or_expr   := and_expr (("OR" | "||" | "|" | ",") and_expr)*
//   and_expr  := near_expr (("AND" | "&&" | "&" | <juxtaposition>) near_expr)*
//                ("AND NOT x" parses as AND of NOT x)
//   near_expr := unary (("NEAR/n" | "NEAR/nf" | "ONEAR/n" | "/n") unary)*   (left-assoc)
//   unary     := ("NOT" | "-" | "~" | "~~") unary | primary
//   primary   := "(" or_expr ")" | FIELD ":" "(" or_expr ")" | FIELD ":" primary
//              | FILTER ":" value | term | "!"term | "+"term | "{" text "}"
//              | "\"" text "\"" ["~" n] | "contains:" "\"" text "\"" | "#"tag | "@"tag
// `<<< ... >>>` comments are skipped. Operators are upper-case words; in
// lower case they are plain terms. `-` starts NOT only where an operand may
// start (`a -b`), never inside a word (`интернет-магазин` is one term).
//
// Thread-safety: parse() is a pure function; call it from any thread.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "sito/query/ast.hpp"
#include "sito/query/diagnostic.hpp"

namespace sito::query {

/// The most bytes a query may have (DESIGN §3).
inline constexpr size_t max_query_bytes = 64 * 1024;
/// The deepest nesting of groups and unary operators the parser accepts.
inline constexpr int max_query_depth = 200;

struct parse_result {
  /// The tree; empty when any error was found.
  std::optional<node> root;
  /// Errors and warnings in source order. Errors come with a position,
  /// a reason and, where useful, a hint.
  std::vector<diagnostic> diagnostics;

  bool ok() const { return root.has_value(); }
};

/// Parses and validates `source`: syntax (balanced groups, operands present,
/// NEAR distances), limits (size, depth), semantic rules (only positional
/// operands inside NEAR — "NOT cannot stand inside NEAR"; wildcards need 3
/// letters before the first `*`; nested field scopes must agree; the query
/// needs at least one positive term or filter — unless
/// `allow_without_positive` is set, which topics with channels use).
/// Warnings: short wildcard prefixes, pure `contains:` queries, very large ORs.
parse_result parse(std::string_view source, bool allow_without_positive = false);

}  // namespace sito::query
