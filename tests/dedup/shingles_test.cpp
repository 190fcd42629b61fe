// Normalization and bigrams of the near-duplicate check (sito/dedup/shingles.hpp).
#include "sito/dedup/shingles.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sito::dedup {
namespace {

std::vector<std::string> words_of(std::string_view text) {
  shingler s;
  auto w = s.words(text);
  EXPECT_TRUE(w.ok());
  return w.ok() ? *w : std::vector<std::string>{};
}

std::vector<uint64_t> bigrams_of(std::string_view text) {
  shingler s;
  std::vector<uint64_t> out;
  EXPECT_TRUE(s.shingle(text, out).ok());
  return out;
}

using W = std::vector<std::string>;

TEST(Shingler, FoldsCaseYoAndPunctuation) {
  EXPECT_EQ(words_of("Привет, МИР! Ёлка — ёж... Don't"), (W{"привет", "мир", "елка", "еж", "don", "t"}));
  EXPECT_EQ(bigrams_of("Привет, МИР!!! Как дела?"), bigrams_of("привет мир как дела"));
}

TEST(Shingler, DropsEmoji) {
  EXPECT_EQ(words_of("Скидки 🔥 до 50% 👍🏻 🇷🇺"), (W{"скидки", "до", "50"}));
  EXPECT_EQ(bigrams_of("Скидки до 50% на всё 😍😍"), bigrams_of("Скидки до 50% на всё"));
  // Words on either side of an emoji become adjacent.
  EXPECT_EQ(bigrams_of("скидки 🔥 до 50"), bigrams_of("скидки до 50"));
}

TEST(Shingler, KeepsHashtagAndMentionWordsWithoutTheSigil) {
  EXPECT_EQ(words_of("#Розыгрыш_2024 от @Flowwow_ru"), (W{"розыгрыш", "2024", "от", "flowwow", "ru"}));
  EXPECT_EQ(bigrams_of("#розыгрыш призов"), bigrams_of("розыгрыш призов"));
}

TEST(Shingler, DropsLinks) {
  EXPECT_EQ(words_of("смотри https://vk.com/wall-1_2?utm_source=a скидки тут"), (W{"смотри", "скидки", "тут"}));
  EXPECT_EQ(words_of("HTTP://Example.COM/x и www.site.ru/promo?id=7 всё"), (W{"и", "все"}));
  EXPECT_EQ(words_of("(http://a.b/c)"), W{});
  // Not links: the letters "http" or "www" inside a word, a bare domain.
  EXPECT_EQ(words_of("xhttp://a awww.b vk.cc/x"), (W{"xhttp", "a", "awww", "b", "vk", "cc", "x"}));
  // Two partners' tracking links do not make two copies differ.
  EXPECT_EQ(bigrams_of("Розыгрыш! Подробности: https://shop.ru/?p=partner1 Участвуйте"),
            bigrams_of("Розыгрыш! Подробности: https://shop.ru/?p=partner2&utm=x Участвуйте"));
}

TEST(Shingler, BigramsAreOrderedPairsSortedAndDistinct) {
  EXPECT_NE(bigram_hash(1, 2), bigram_hash(2, 1));
  const auto b = bigrams_of("раз два раз два раз два");  // {раз два, два раз}
  EXPECT_EQ(b.size(), 2u);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  EXPECT_NE(bigrams_of("раз два три"), bigrams_of("три два раз"));
  EXPECT_TRUE(bigrams_of("одно").empty());
  EXPECT_TRUE(bigrams_of("").empty());
  EXPECT_TRUE(bigrams_of("🔥🔥 https://x.ru").empty());
}

TEST(Shingler, RejectsInvalidUtf8) {
  shingler s;
  std::vector<uint64_t> out;
  EXPECT_FALSE(s.shingle("ok \xff bad", out).ok());
}

}  // namespace
}  // namespace sito::dedup
