#include "sito/rules/mention_flags.hpp"

#include <algorithm>

#include "sito/text/analyzed_text.hpp"

namespace sito::rules {

std::string account_key(std::string_view account) {
  while (!account.empty() && (account.front() == '@' || account.front() == ' ')) account.remove_prefix(1);
  while (!account.empty() && account.back() == ' ') account.remove_suffix(1);
  bool ascii = std::all_of(account.begin(), account.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) return text::normalize(account);
  std::string out(account);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_own_account(std::string_view author_id, std::string_view author_handle, std::span<const std::string> own_keys) {
  if (own_keys.empty()) return false;
  for (std::string_view who : {author_id, author_handle}) {
    if (who.empty()) continue;
    const std::string key = account_key(who);
    if (!key.empty() && std::find(own_keys.begin(), own_keys.end(), key) != own_keys.end()) return true;
  }
  return false;
}

bool is_word_of_mouth(bool own_account, std::string_view source_type, bool ad_marked) {
  if (own_account || ad_marked) return false;
  std::string t(source_type);
  for (char& c : t)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return t != "news";
}

}  // namespace sito::rules
