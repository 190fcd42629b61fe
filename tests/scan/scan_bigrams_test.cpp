// scan_options::near_duplicate_bigrams: the bigrams a scan makes for its
// matched posts from its own analysis of title and text must be exactly the
// shingler's bigrams of dedup::text_of(post) (title, a line break, text),
// which sitod's log replay and any caller without a scan still compute. The
// suite runs once per analyzer implementation (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sito/compile/compiler.hpp"
#include "sito/dedup/post_check.hpp"
#include "sito/dedup/shingles.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace sito {
namespace {

std::shared_ptr<const ruleset_snapshot> marker_ruleset() {
  std::vector<topic_spec> topics = {{"acme", "marker", "", "маркер OR marker", {}, {}}};
  auto snap = compile_topics(topics, {});
  EXPECT_TRUE(snap.ok());
  return *snap;
}

/// Pieces the posts are built from: words of both scripts in any case, ё,
/// links of every kind the shingler drops (and bare domains it keeps),
/// emoji and ZWJ sequences, #tags and @mentions, punctuation and blanks,
/// hyphens, digits, a combining accent, other scripts.
const std::vector<std::string>& pieces() {
  static const std::vector<std::string> p = {
      "маркер", "Маркер", "MARKER", "marker", "Розыгрыш", "iPhone", "ЁЛКА", "ёлка", "курьер", "опоздал", "на",
      "два", "часа", "и", "не", "позвонил", "Доставка", "2024", "15", "https://vk.cc/abc", "http://x.ru/a?b=1",
      "HTTPS://Shop.RU/p", "www.example.com/путь", "WWW.SITE.RU", "vk.cc/x", "site.ru", "🔥", "👍🏽", "👨‍👩‍👧",
      "🇷🇺", "#конкурс", "#Розыгрыш_2024", "@flowwow", "@User_1", "!", "?", ".", ",", "…", "—", "-", "кто-то",
      "e\xCC\x81", "日本語", "ქართული", "Қазақстан", "ұлы", "\t", "\n", "  ", "(скобки)", "«кавычки»", "'", "\"",
      "a#b", "x@y.ru", "#", "@", "_", "ё-моё"};
  return p;
}

std::string random_field(std::mt19937& rng, size_t max_pieces) {
  const auto& p = pieces();
  std::string s;
  const size_t n = rng() % (max_pieces + 1);
  for (size_t i = 0; i < n; ++i) {
    const std::string& piece = p[rng() % p.size()];
    const unsigned glue = rng() % 4;
    if (!s.empty() && glue != 0) s += glue == 3 ? "\n" : " ";
    s += piece;
  }
  return s;
}

void expect_same_bigrams(const batch_scanner& scanner, const std::vector<post>& posts) {
  scan_output out;
  scanner.scan(posts, out);
  ASSERT_TRUE(out.rejected.empty()) << out.rejected[0].reason.message();
  ASSERT_EQ(out.bigram_end.size(), out.matched_posts.size());
  dedup::shingler sh;
  std::vector<uint64_t> expected;
  size_t compared = 0;
  for (uint32_t i = 0; i < posts.size(); ++i) {
    const auto got = out.bigrams_of(i);
    const bool matched = std::binary_search(out.matched_posts.begin(), out.matched_posts.end(), i);
    ASSERT_EQ(got.has_value(), matched) << i;
    if (!got) continue;
    ASSERT_TRUE(sh.shingle(dedup::text_of(posts[i]), expected).ok());
    EXPECT_EQ(std::vector<uint64_t>(got->begin(), got->end()), expected)
        << "title: " << posts[i].title << "\ntext: " << posts[i].text;
    ++compared;
  }
  EXPECT_GT(compared, posts.size() / 2);
}

TEST(ScanBigrams, EqualTheShinglersOnHandWrittenPosts) {
  batch_scanner scanner(marker_ruleset(), scan_options{.near_duplicate_bigrams = true});
  auto mk = [](std::string title, std::string text) {
    post p;
    p.id = "p";
    p.title = std::move(title);
    p.text = std::move(text);
    return p;
  };
  const std::vector<post> posts = {
      mk("", "маркер: курьер опоздал на два часа"),
      mk("Маркер дня", "курьер опоздал на два часа"),              // the bigram across title and text
      mk("маркер https://vk.cc/abc", "опоздал курьер"),           // a link ends at the title's end
      mk("маркер кто-", "то опоздал"),                            // a hyphen at the title's end
      mk("маркер #", "конкурс идёт"),                             // a sigil at the title's end
      mk("маркер 🔥", "👍🏽 курьер 🔥 опоздал #Розыгрыш_2024 @flowwow"),
      mk("маркер", ""),
      mk("", "маркер"),
      mk("маркер e\xCC\x81", "\xCC\x81 курьер"),                  // a combining mark opening the text
  };
  expect_same_bigrams(scanner, posts);
}

TEST(ScanBigrams, EqualTheShinglersOnRandomPosts) {
  batch_scanner scanner(marker_ruleset(), scan_options{.chunk_size = 16, .near_duplicate_bigrams = true});
  std::mt19937 rng(20261201);
  std::vector<post> posts;
  for (int i = 0; i < 3000; ++i) {
    post p;
    p.id = "p" + std::to_string(i);
    p.title = rng() % 3 == 0 ? random_field(rng, 6) : "";
    p.text = random_field(rng, 40);
    // Most posts match (the marker is somewhere); some do not.
    if (rng() % 5 != 0) (rng() % 2 ? p.title : p.text) += rng() % 2 ? " маркер" : " MARKER";
    posts.push_back(std::move(p));
  }
  expect_same_bigrams(scanner, posts);  // on TBB workers: the chunks' bigrams merged
}

TEST(ScanBigrams, NoneWithoutTheOption) {
  batch_scanner scanner(marker_ruleset());
  post p;
  p.id = "p";
  p.text = "маркер курьер опоздал";
  scan_output out;
  scanner.scan_serial(std::span<const post>(&p, 1), out);
  ASSERT_EQ(out.matched_posts.size(), 1u);
  EXPECT_TRUE(out.bigrams.empty());
  EXPECT_FALSE(out.bigrams_of(0).has_value());
}

}  // namespace
}  // namespace sito
