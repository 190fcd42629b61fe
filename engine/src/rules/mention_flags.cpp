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

bool is_own_account(std::span<const std::string> author_keys, std::span<const std::string> own_keys) {
  for (const std::string& key : author_keys)
    if (!key.empty() && std::find(own_keys.begin(), own_keys.end(), key) != own_keys.end()) return true;
  return false;
}

bool is_own_account(std::string_view author_id, std::string_view author_handle, std::span<const std::string> own_keys) {
  if (own_keys.empty()) return false;
  const std::string keys[] = {author_id.empty() ? std::string() : account_key(author_id),
                              author_handle.empty() ? std::string() : account_key(author_handle)};
  return is_own_account(keys, own_keys);
}

bool is_news_source(std::string_view source_type) {
  constexpr std::string_view news = "news";
  if (source_type.size() != news.size()) return false;
  for (size_t k = 0; k < news.size(); ++k) {
    const char c = source_type[k];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != news[k]) return false;
  }
  return true;
}

bool is_word_of_mouth(bool own_account, std::string_view source_type, bool ad_marked) {
  return !own_account && !ad_marked && !is_news_source(source_type);
}

}  // namespace sito::rules
