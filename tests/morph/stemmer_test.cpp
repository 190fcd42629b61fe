// File: tests/morph/stemmer_test.cpp
//
// classify() and the Snowball wrapper.
#include <gtest/gtest.h>

#include <string>

#include "sito/morph/script.hpp"
#include "sito/morph/stemmer.hpp"

namespace sito::morph {
namespace {

std::string stem_of(stemmer& s, std::string_view token) {
  std::string out;
  EXPECT_TRUE(s.stem(token, out)) << token;
  return out;
}

TEST(Script, ClassifiesSingleScripts) {
  EXPECT_EQ(classify("hello"), script::latin);
  EXPECT_EQ(classify("привет"), script::cyrillic);
  EXPECT_EQ(classify("қазақстан"), script::kazakh);
  EXPECT_EQ(classify("2024"), script::other);
  EXPECT_EQ(classify(""), script::other);
  EXPECT_EQ(classify("東京"), script::other);
  EXPECT_EQ(classify("😀"), script::other);
}

TEST(Script, ClassifiesMixedScripts) {
  // Kazakh wins over everything, Cyrillic over Latin, any letter over digits.
  EXPECT_EQ(classify("iphoneқ"), script::kazakh);
  EXPECT_EQ(classify("алматыға"), script::kazakh);
  EXPECT_EQ(classify("приветhello"), script::cyrillic);
  EXPECT_EQ(classify("covid19"), script::latin);
  EXPECT_EQ(classify("19век"), script::cyrillic);
  EXPECT_EQ(classify("東京x"), script::latin);
  // Each Kazakh-only letter on its own.
  for (const char* k : {"ә", "ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і"}) {
    EXPECT_EQ(classify(std::string("мен") + k), script::kazakh) << k;
  }
  // Letters Kazakh shares with Russian are plain Cyrillic.
  EXPECT_EQ(classify("мен"), script::cyrillic);
  // Only ASCII letters make a token Latin (contract of script.hpp).
  EXPECT_EQ(classify("é"), script::other);
  EXPECT_EQ(classify("café"), script::latin);
  // Malformed UTF-8 never crashes and is not a letter.
  EXPECT_EQ(classify("\xff\xfe"), script::other);
  EXPECT_EQ(classify("\xd0"), script::other);
  EXPECT_EQ(classify("a\xd0"), script::latin);
}

TEST(Stemmer, RussianDeliveryForms) {
  stemmer s;
  EXPECT_EQ(stem_of(s, "доставка"), "доставк");
  EXPECT_EQ(stem_of(s, "доставки"), "доставк");
  EXPECT_EQ(stem_of(s, "доставкой"), "доставк");
  EXPECT_EQ(stem_of(s, "доставку"), "доставк");
}

TEST(Stemmer, MissesGenitivePluralDostavok) {
  // The reason the dictionary rule exists (FACTS.md).
  stemmer s;
  EXPECT_EQ(stem_of(s, "доставок"), "доставок");
  EXPECT_NE(stem_of(s, "доставок"), stem_of(s, "доставка"));
}

TEST(Stemmer, EnglishUsesPorter2) {
  stemmer s;
  EXPECT_EQ(stem_of(s, "delivery"), "deliveri");
  EXPECT_EQ(stem_of(s, "deliveries"), "deliveri");
  EXPECT_EQ(stem_of(s, "running"), "run");
  EXPECT_EQ(stem_of(s, "runs"), "run");
  EXPECT_EQ(stem_of(s, "run"), "run");
  // Irregular forms are not Snowball's business.
  EXPECT_EQ(stem_of(s, "ran"), "ran");
}

TEST(Stemmer, BrandNameStemsDiffer) {
  // Rule (c) of DESIGN §3 exists because these stem differently.
  stemmer s;
  EXPECT_EQ(stem_of(s, "фловвов"), "фловв");
  EXPECT_EQ(stem_of(s, "фловвову"), "фловвов");
  EXPECT_EQ(stem_of(s, "фловвова"), "фловвов");
}

TEST(Stemmer, KazakhTokensNeverStem) {
  stemmer s;
  for (const char* k : {"қазақстан", "қазақстанда", "әлем", "үйлер", "білім", "алматыға"}) {
    std::string out = "untouched";
    EXPECT_FALSE(s.stem(k, out)) << k;
    EXPECT_EQ(out, "untouched");
  }
}

TEST(Stemmer, OtherScriptsHaveNoStem) {
  stemmer s;
  for (const char* k : {"2024", "😀", "東京", ""}) {
    std::string out = "untouched";
    EXPECT_FALSE(s.stem(k, out)) << k;
    EXPECT_EQ(out, "untouched");
  }
}

TEST(Stemmer, HasStemmerFollowsScript) {
  EXPECT_TRUE(stemmer::has_stemmer(script::latin));
  EXPECT_TRUE(stemmer::has_stemmer(script::cyrillic));
  EXPECT_FALSE(stemmer::has_stemmer(script::kazakh));
  EXPECT_FALSE(stemmer::has_stemmer(script::other));
}

TEST(Stemmer, MixedTokenUsesRussianStemmer) {
  stemmer s;
  std::string out;
  ASSERT_TRUE(s.stem("19века", out));
  EXPECT_EQ(out, "19век");
}

}  // namespace
}  // namespace sito::morph
