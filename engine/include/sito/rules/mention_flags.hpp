// File: sito/rules/mention_flags.hpp
//
// Who wrote a mention: the brand itself or someone else.
//
// Own account: the post's author id or handle equals one of the topic's
// own_accounts, compared case-insensitively and without a leading '@'.
//
// Word of mouth (WOM): written by people about the brand, not by the brand,
// media or advertisers. A mention is WOM unless
//   * its author is one of the topic's own accounts, or
//   * its source_type is `news` (media), or
//   * the post carries an advertising marker from the lexicon
//     (`#реклама`, `erid`, `#ad`, `#sponsored`, ...).
//
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sito::rules {

/// The comparable form of an account name: lower case, no leading '@'.
std::string account_key(std::string_view account);

/// `own_keys` hold account_key() of the topic's own accounts.
bool is_own_account(std::string_view author_id, std::string_view author_handle, std::span<const std::string> own_keys);

/// The same from the author's keys computed once (account_key() of the id
/// and of the handle; empty ones never match).
bool is_own_account(std::span<const std::string> author_keys, std::span<const std::string> own_keys);

/// source_type `news` (any case): media, never word of mouth.
bool is_news_source(std::string_view source_type);

bool is_word_of_mouth(bool own_account, std::string_view source_type, bool ad_marked);

}  // namespace sito::rules
