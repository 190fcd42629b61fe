// File: sito/query/printer.hpp
//
// Canonical text of a query AST: fully parenthesized binary operators with
// upper-case operator words, so that parse(print(t)) is the same tree as t.
//
//   print(parse("a b, c").root)  ==  "((a AND b) OR c)"
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "sito/query/ast.hpp"

namespace sito::query {

/// Canonical text of the whole tree.
std::string print(const node& root);

/// Short label of one leaf as it appears in highlights and explain output:
/// `доставка`, `!доставка`, `"доставка цветов"`, `"a b"~3`, `флор*`,
/// `{Apple}`, `#flowwow`, `contains:"wow"`.
std::string leaf_label(const node& leaf);

}  // namespace sito::query
