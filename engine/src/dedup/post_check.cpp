#include "sito/dedup/post_check.hpp"

namespace sito::dedup {

std::string author_of(const post& p) {
  return p.source + ":" + (p.author.id.empty() ? p.author.handle : p.author.id);
}

std::string text_of(const post& p) { return p.title.empty() ? p.text : p.title + "\n" + p.text; }

void check_posts(near_duplicate_index& index, std::span<const post> posts, std::span<const uint32_t> which,
                 std::span<const int64_t> times_ms, std::vector<near_duplicate_match>& results,
                 const bigram_source& known) {
  results.assign(posts.size(), near_duplicate_match{});
  for (const uint32_t i : which) {
    if (i >= posts.size()) continue;
    const post& p = posts[i];
    if (known)
      if (const auto grams = known(i)) {
        results[i] = index.check_and_add_bigrams(p.id, author_of(p), times_ms[i], *grams);
        continue;
      }
    auto m = index.check_and_add(p.id, author_of(p), times_ms[i], text_of(p));
    if (m.ok()) results[i] = std::move(*m);
  }
}

}  // namespace sito::dedup
