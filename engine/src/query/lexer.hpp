// File: query/lexer.hpp (private to sito::query)
//
// Splits a query source into tokens for the parser, and holds the character
// rules that the lexer and the printer must agree on so that
// parse(print(t)) gives back t.
//
//   auto lexed = sito::query::detail::lex("flowwow NEAR/3 доставка");
//   // tokens: term, near_op(3), term, end
//
// Lexical rules (DESIGN §3):
// - Whitespace (ASCII and the Unicode spaces below) separates tokens;
//   `<<< … >>>` comments are skipped.
// - `( ) " { }` are special everywhere; `,` `|` `&` end a word and are
//   operators; `<<<` ends a word and starts a comment.
// - At the start of a token: `-` `~` `~~` are NOT; `!x` `+x` are exact terms
//   whose word is taken literally (no operator or field meaning); `#x` `@x`
//   are tags whose body is taken literally.
// - A word is then an operator (`AND` `OR` `NOT` `NEAR/n` `NEAR/nf`
//   `ONEAR/n` `/n` `/nf`), a `name:` prefix (ASCII letters, any case; a known
//   field scope, filter or `contains:`; an unknown name is an error), or a
//   term (a wildcard when it holds `*` or `?`).
//
// Precondition for every function here: the source is valid UTF-8 and at
// most max_query_bytes long (parse() checks both before lexing).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sito/query/ast.hpp"
#include "sito/query/diagnostic.hpp"

namespace sito::query::detail {

/// The largest distance NEAR/n, ONEAR/n and "…"~n accept.
inline constexpr uint32_t max_distance = 10000;
/// The largest magnitude a followers bound may have.
inline constexpr int64_t max_followers_bound = 1000000000000000000;  // 10^18

enum class token_kind : uint8_t {
  end,           ///< end of the source
  lparen,        ///< `(`
  rparen,        ///< `)`
  and_op,        ///< `AND` `&&` `&`
  or_op,         ///< `OR` `||` `|` `,`
  not_op,        ///< `NOT` `-` `~` `~~`
  near_op,       ///< `NEAR/n` `NEAR/nf` `ONEAR/n` `/n`: distance, ordered
  leaf,          ///< a complete leaf node (term, phrase, filter, ...): `leaf`
  field_prefix,  ///< `title:` `text:` `image:`: scope
};

struct token {
  token_kind kind = token_kind::end;
  uint32_t begin = 0;     ///< byte offset of the first byte
  uint32_t end = 0;       ///< byte offset one past the last byte
  uint32_t distance = 0;  ///< near_op
  bool ordered = false;   ///< near_op
  field scope = field::any;  ///< field_prefix
  node leaf;              ///< leaf: the node, with begin/end set
};

struct lex_result {
  std::vector<token> tokens;  ///< always ends with a token_kind::end token
  std::vector<diagnostic> diagnostics;  ///< offsets set; line/column not yet located
};

/// Tokenizes `source`. Lexical errors (unterminated phrase or comment,
/// unknown field, bad NEAR distance, term without a letter, short wildcard
/// prefix, ...) go to diagnostics; the lexer skips the bad piece and goes on.
lex_result lex(std::string_view source);

/// Decodes one code point of valid-or-invalid UTF-8 at s[i]. Returns the
/// sequence length (1..4) and stores the code point, or returns 0 when the
/// bytes at i are not a valid UTF-8 sequence (overlong, surrogate, > U+10FFFF,
/// truncated, stray continuation byte).
int decode_utf8(std::string_view s, size_t i, char32_t& cp);

/// Offset of the first byte that is not valid UTF-8, or s.size() if all is valid.
size_t first_invalid_utf8(std::string_view s);

/// True for code points that separate tokens.
bool is_space(char32_t cp);

/// True when `text` yields at least one token to search for (text::tokenize_term).
bool has_wordish(std::string_view text);

/// True when a filter value can be printed after `name:` without quotes and
/// lexes back as the same value.
bool value_prints_bare(std::string_view value);

/// True when a wildcard's text can be printed as is (without a leading `!`)
/// and lexes back as the same wildcard.
bool wildcard_prints_bare(std::string_view text);

/// `"` + text with `\` and `"` escaped + `"`.
std::string quote(std::string_view text);

}  // namespace sito::query::detail
