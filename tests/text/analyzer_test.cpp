// Tests of sito::text::analyzer and the normalization helpers (DESIGN §3,
// "Normalization"): NFKC + lower case + ё→е, Kazakh letters, token rules,
// hashtags/mentions, emoji clusters, byte offsets into the original text,
// UTF-8 rejection with offsets, and a property test over fortunes-ru.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/utf8.hpp"
#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"
#include "sito/text/token_hash.hpp"
#include "support/corpus.hpp"

namespace sito::text {
namespace {

using namespace std::string_literals;

analyzed_text analyze_ok(std::string_view s, bool with_byte_map = false) {
  analyzer a;
  analyzed_text out;
  status st = a.analyze(s, out, with_byte_map);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return out;
}

/// Each token's key as normalized UTF-8.
std::vector<std::string> words(const analyzed_text& t) {
  std::vector<std::string> out;
  for (const token& tok : t.tokens) out.push_back(unfold(t.key(tok)));
  return out;
}

std::vector<std::string> words_of(std::string_view s) { return words(analyze_ok(s)); }

/// Each token's original bytes.
std::vector<std::string> originals(std::string_view s, const analyzed_text& t) {
  std::vector<std::string> out;
  for (const token& tok : t.tokens) out.emplace_back(s.substr(tok.orig_begin, tok.orig_end - tok.orig_begin));
  return out;
}

using strings = std::vector<std::string>;

// --- normalization ---

TEST(Analyzer, FullwidthLatinIsFoldedByNfkc) {
  auto t = analyze_ok("ＦＬＯＷＷＯＷ");
  ASSERT_EQ(t.tokens.size(), 1u);
  EXPECT_EQ(words(t), strings{"flowwow"});
  EXPECT_EQ(t.folded, "flowwow");  // ASCII folds to itself
  EXPECT_EQ(t.tokens[0].orig_begin, 0u);
  EXPECT_EQ(t.tokens[0].orig_end, 21u);  // 7 × 3 bytes
}

TEST(Analyzer, LigatureExpands) {
  auto t = analyze_ok("ﬁsh");  // U+FB01 + "sh"
  EXPECT_EQ(words(t), strings{"fish"});
  ASSERT_EQ(t.tokens.size(), 1u);
  EXPECT_EQ(t.tokens[0].orig_begin, 0u);
  EXPECT_EQ(t.tokens[0].orig_end, 5u);
}

TEST(Analyzer, VulgarFractionSplitsIntoDigitTokens) {
  // ½ → "1⁄2"; U+2044 FRACTION SLASH is Sm, so it separates two digit
  // tokens, both mapped to the bytes of ½.
  auto t = analyze_ok("a ½");
  EXPECT_EQ(words(t), (strings{"a", "1", "2"}));
  ASSERT_EQ(t.tokens.size(), 3u);
  EXPECT_EQ(t.tokens[1].orig_begin, 2u);
  EXPECT_EQ(t.tokens[1].orig_end, 4u);
  EXPECT_EQ(t.tokens[2].orig_begin, 2u);
  EXPECT_EQ(t.tokens[2].orig_end, 4u);
  EXPECT_EQ(t.tokens[1].position, 1u);
  EXPECT_EQ(t.tokens[2].position, 2u);
}

TEST(Analyzer, CombiningAcuteComposes) {
  const std::string s = "cafe\xCC\x81 ok";  // e + U+0301
  auto t = analyze_ok(s, /*with_byte_map=*/true);
  EXPECT_EQ(words(t), (strings{"café", "ok"}));
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_EQ(t.tokens[0].orig_begin, 0u);
  EXPECT_EQ(t.tokens[0].orig_end, 6u);  // through the combining mark
  // The folded é (an escape of U+00E9) maps to both original code points.
  const std::string want_folded = "caf" + fold("é") + " ok";
  ASSERT_EQ(t.folded, want_folded);
  ASSERT_EQ(t.orig_begin_of.size(), t.folded.size());
  for (size_t k = 3; k < 3 + fold_escape_size; ++k) {
    EXPECT_EQ(t.orig_begin_of[k], 3u) << k;
    EXPECT_EQ(t.orig_end_of[k], 6u) << k;
  }
  EXPECT_EQ(t.orig_begin_of[8], 6u);  // the space
  EXPECT_EQ(t.orig_end_of[8], 7u);
}

TEST(Analyzer, ComposedAndDecomposedGiveSameKey) {
  auto a = analyze_ok("caf\xC3\xA9");
  auto b = analyze_ok("cafe\xCC\x81");
  ASSERT_EQ(a.tokens.size(), 1u);
  ASSERT_EQ(b.tokens.size(), 1u);
  EXPECT_EQ(a.key(a.tokens[0]), b.key(b.tokens[0]));
}

TEST(Analyzer, LowerCases) {
  EXPECT_EQ(words_of("ДОСТАВКА Flowers"), (strings{"доставка", "flowers"}));
  EXPECT_EQ(words_of("ÉCOLE"), (strings{"école"}));
}

TEST(Analyzer, YoFoldsToYe) {
  EXPECT_EQ(words_of("ёлка Ёлка ЁЛКА"), (strings{"елка", "елка", "елка"}));
  // Decomposed Ё (Е + U+0308) composes, lowers, and folds the same way.
  EXPECT_EQ(words_of("\xD0\x95\xCC\x88лка"), (strings{"елка"}));
  auto t = analyze_ok("ё");
  EXPECT_EQ(t.folded, fold("е"));
}

TEST(Analyzer, KazakhLettersStayDistinct) {
  auto t = analyze_ok("Қазақстан қала кала");
  EXPECT_EQ(words(t), (strings{"қазақстан", "қала", "кала"}));
  ASSERT_EQ(t.tokens.size(), 3u);
  EXPECT_NE(t.key(t.tokens[1]), t.key(t.tokens[2]));
  EXPECT_EQ(words_of("ӘҒҚҢӨҰҮҺІ"), (strings{"әғқңөұүһі"}));
  // Every Kazakh letter folds to a single byte in the key.
  EXPECT_EQ(analyze_ok("әғқңөұүһі").folded.size(), 9u);
}

// --- tokens ---

TEST(Analyzer, TokensAreRunsOfLettersMarksDigits) {
  EXPECT_EQ(words_of("Hello, world! 42 раза... x2"), (strings{"hello", "world", "42", "раза", "x2"}));
  EXPECT_EQ(words_of("  \t\n"), strings{});
  EXPECT_EQ(words_of("a.b,c;d:e/f\\g|h"), (strings{"a", "b", "c", "d", "e", "f", "g", "h"}));
  EXPECT_EQ(words_of("under_score"), (strings{"under", "score"}));  // '_' is Pc, not a token char
}

TEST(Analyzer, HyphenAndApostropheSplitIntoAdjacentTokens) {
  auto t = analyze_ok("интернет-магазин");
  EXPECT_EQ(words(t), (strings{"интернет", "магазин"}));
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_EQ(t.tokens[0].position, 0u);
  EXPECT_EQ(t.tokens[1].position, 1u);
  EXPECT_EQ(t.tokens[0].orig_begin, 0u);
  EXPECT_EQ(t.tokens[0].orig_end, 16u);
  EXPECT_EQ(t.tokens[1].orig_begin, 17u);
  EXPECT_EQ(t.tokens[1].orig_end, 31u);

  EXPECT_EQ(words_of("don't"), (strings{"don", "t"}));
  EXPECT_EQ(words_of("don’t"), (strings{"don", "t"}));  // U+2019
}

TEST(Analyzer, PositionsCountFromZero) {
  auto t = analyze_ok("один, два; три 😡 четыре");
  ASSERT_EQ(t.tokens.size(), 5u);
  for (size_t k = 0; k < t.tokens.size(); ++k) EXPECT_EQ(t.tokens[k].position, k);
}

TEST(Analyzer, CyrillicOrigOffsets) {
  const std::string s = "Привет, мир!";
  auto t = analyze_ok(s);
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_EQ(t.tokens[0].orig_begin, 0u);
  EXPECT_EQ(t.tokens[0].orig_end, 12u);
  EXPECT_EQ(t.tokens[1].orig_begin, 14u);
  EXPECT_EQ(t.tokens[1].orig_end, 20u);
  EXPECT_EQ(originals(s, t), (strings{"Привет", "мир"}));
  // Folded offsets: one byte per letter.
  EXPECT_EQ(t.tokens[0].fold_begin, 0u);
  EXPECT_EQ(t.tokens[0].fold_end, 6u);
  EXPECT_EQ(t.tokens[1].fold_begin, 8u);
  EXPECT_EQ(t.tokens[1].fold_end, 11u);
  EXPECT_EQ(unfold(t.folded), "привет, мир!");
}

TEST(Analyzer, FoldedIsWholeNormalizedField) {
  auto t = analyze_ok("Ёж, ЖЁЛТЫЙ!");
  EXPECT_EQ(unfold(t.folded), "еж, желтый!");
}

// --- hashtags and mentions ---

TEST(Analyzer, HashtagSplitsBodyAndFirstTokenCarriesTag) {
  const std::string s = "Люблю #Flowwow_RU!";
  auto t = analyze_ok(s);
  EXPECT_EQ(words(t), (strings{"люблю", "flowwow", "ru"}));
  ASSERT_EQ(t.tokens.size(), 3u);
  const token& first = t.tokens[1];
  EXPECT_TRUE(first.has_tag);
  EXPECT_EQ(t.tag_key(first), "#flowwow_ru");
  EXPECT_EQ(first.tag_orig_begin, 11u);  // the '#'
  EXPECT_EQ(first.tag_orig_end, 22u);    // end of "RU"
  EXPECT_EQ(s.substr(first.tag_orig_begin, first.tag_orig_end - first.tag_orig_begin), "#Flowwow_RU");
  EXPECT_EQ(first.orig_begin, 12u);
  EXPECT_EQ(first.orig_end, 19u);
  EXPECT_EQ(first.position, 1u);
  EXPECT_FALSE(t.tokens[2].has_tag);
  EXPECT_EQ(t.tokens[2].position, 2u);
  EXPECT_EQ(t.tokens[2].orig_begin, 20u);
  EXPECT_EQ(t.tokens[2].orig_end, 22u);
  EXPECT_FALSE(t.tokens[0].has_tag);
}

TEST(Analyzer, CyrillicHashtag) {
  auto t = analyze_ok("#Доставка_цветов");
  EXPECT_EQ(words(t), (strings{"доставка", "цветов"}));
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_TRUE(t.tokens[0].has_tag);
  EXPECT_EQ(unfold(t.tag_key(t.tokens[0])), "#доставка_цветов");
  EXPECT_EQ(t.tokens[0].tag_orig_begin, 0u);
  EXPECT_EQ(t.tokens[0].tag_orig_end, 30u);
}

TEST(Analyzer, Mention) {
  const std::string s = "спасибо @Brand";
  auto t = analyze_ok(s);
  EXPECT_EQ(words(t), (strings{"спасибо", "brand"}));
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_TRUE(t.tokens[1].has_tag);
  EXPECT_EQ(t.tag_key(t.tokens[1]), "@brand");
  EXPECT_EQ(t.tokens[1].tag_orig_begin, 15u);
  EXPECT_EQ(t.tokens[1].tag_orig_end, 21u);
  EXPECT_EQ(t.tokens[1].orig_begin, 16u);
}

TEST(Analyzer, TagBodyStopsAtHyphen) {
  auto t = analyze_ok("#интернет-магазин");
  EXPECT_EQ(words(t), (strings{"интернет", "магазин"}));
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_TRUE(t.tokens[0].has_tag);
  EXPECT_EQ(unfold(t.tag_key(t.tokens[0])), "#интернет");
  EXPECT_FALSE(t.tokens[1].has_tag);
}

TEST(Analyzer, SigilBeforeNonTokenCharIsNotATag) {
  for (const char* s : {"# flowwow", "#_flowwow", "#!x", "@ brand", "#", "@", "x #", "##"}) {
    auto t = analyze_ok(s);
    for (const token& tok : t.tokens) EXPECT_FALSE(tok.has_tag) << s;
  }
  EXPECT_EQ(words_of("# flowwow"), strings{"flowwow"});
  EXPECT_EQ(words_of("#_flowwow"), strings{"flowwow"});
}

TEST(Analyzer, DoubleHashTagsFromSecondHash) {
  auto t = analyze_ok("##sale");
  ASSERT_EQ(t.tokens.size(), 1u);
  EXPECT_TRUE(t.tokens[0].has_tag);
  EXPECT_EQ(t.tag_key(t.tokens[0]), "#sale");
  EXPECT_EQ(t.tokens[0].tag_orig_begin, 1u);
}

TEST(Analyzer, TagWithDigitsAndTwoUnderscores) {
  auto t = analyze_ok("#sale2024__ru x");
  EXPECT_EQ(words(t), (strings{"sale2024", "ru", "x"}));
  ASSERT_EQ(t.tokens.size(), 3u);
  EXPECT_EQ(t.tag_key(t.tokens[0]), "#sale2024__ru");
  EXPECT_EQ(t.tokens[0].tag_orig_end, 13u);
  EXPECT_EQ(t.tokens[1].position, 1u);
  EXPECT_EQ(t.tokens[2].position, 2u);
}

// --- emoji ---

struct emoji_case {
  const char* text;
  size_t bytes;
};

TEST(Analyzer, EmojiClustersAreSingleTokens) {
  for (const emoji_case& c : {emoji_case{"😡", 4}, emoji_case{"👍🏽", 8}, emoji_case{"👨‍👩‍👧", 18},
                              emoji_case{"🇷🇺", 8}, emoji_case{"🏳️‍🌈", 14}}) {
    const std::string s = "a"s + c.text + "b";
    auto t = analyze_ok(s);
    ASSERT_EQ(t.tokens.size(), 3u) << c.text;
    EXPECT_FALSE(t.tokens[0].is_emoji);
    EXPECT_TRUE(t.tokens[1].is_emoji) << c.text;
    EXPECT_FALSE(t.tokens[2].is_emoji);
    EXPECT_EQ(t.tokens[1].orig_begin, 1u) << c.text;
    EXPECT_EQ(t.tokens[1].orig_end, 1u + c.bytes) << c.text;
    EXPECT_EQ(t.tokens[1].position, 1u);
    EXPECT_EQ(t.tokens[2].position, 2u);
  }
}

TEST(Analyzer, EmojiKeysKeepModifiersAndJoiners) {
  EXPECT_EQ(words_of("👍🏽"), strings{"👍🏽"});
  EXPECT_EQ(words_of("👨‍👩‍👧"), strings{"👨‍👩‍👧"});
  EXPECT_EQ(words_of("🇷🇺"), strings{"🇷🇺"});
  // A skin tone makes a different key from the bare emoji.
  auto a = analyze_ok("👍");
  auto b = analyze_ok("👍🏽");
  EXPECT_NE(a.key(a.tokens[0]), b.key(b.tokens[0]));
}

TEST(Analyzer, AdjacentEmojiAreSeparateTokens) {
  auto t = analyze_ok("😡😡👍");
  EXPECT_EQ(words(t), (strings{"😡", "😡", "👍"}));
  for (const token& tok : t.tokens) EXPECT_TRUE(tok.is_emoji);
  // Four regional indicators are two flags.
  EXPECT_EQ(words_of("🇷🇺🇰🇿"), (strings{"🇷🇺", "🇰🇿"}));
  // An odd one stands alone.
  EXPECT_EQ(words_of("🇷🇺🇰"), (strings{"🇷🇺", "🇰"}));
}

TEST(Analyzer, EmojiBetweenWordsWithoutSpaces) {
  auto t = analyze_ok("плохо😡очень");
  EXPECT_EQ(words(t), (strings{"плохо", "😡", "очень"}));
  ASSERT_EQ(t.tokens.size(), 3u);
  EXPECT_EQ(t.tokens[1].orig_begin, 10u);
  EXPECT_EQ(t.tokens[1].orig_end, 14u);
  EXPECT_EQ(t.tokens[2].orig_begin, 14u);
}

TEST(Analyzer, HeartWithVariationSelectorHasSameKeyAsBareHeart) {
  auto with = analyze_ok("❤️");
  auto bare = analyze_ok("❤");
  ASSERT_EQ(with.tokens.size(), 1u);
  ASSERT_EQ(bare.tokens.size(), 1u);
  EXPECT_TRUE(with.tokens[0].is_emoji);
  EXPECT_EQ(with.key(with.tokens[0]), bare.key(bare.tokens[0]));
  EXPECT_EQ(with.folded, fold("❤"));  // the FE0F is gone from the folded text
  EXPECT_EQ(with.tokens[0].orig_begin, 0u);
}

TEST(Analyzer, HeartWithVariationSelectorOrigRangeCoversCluster) {
  // DESIGN §3: an emoji token is a whole grapheme cluster; U+FE0F is part of
  // the cluster, so the highlight should cover all 6 bytes of "❤️".
  auto t = analyze_ok("❤️ x");
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_EQ(t.tokens[0].orig_end, 6u);
}

TEST(Analyzer, VariationSelectorsDropped) {
  EXPECT_EQ(analyze_ok("a\xEF\xB8\x8F" "b").folded, "ab");  // U+FE0F
  EXPECT_EQ(analyze_ok("a\xEF\xB8\x8E" "b").folded, "ab");  // U+FE0E
  // Dropping it joins the letters into one token.
  EXPECT_EQ(words_of("a\xEF\xB8\x8F" "b"), strings{"ab"});
  EXPECT_EQ(words_of("☺︎"), words_of("☺"));
}

TEST(Analyzer, KeycapIsAWordTokenNotAnEmoji) {
  // Documented behaviour: "1️⃣" is '1' U+FE0F U+20E3. The FE0F is dropped and
  // U+20E3 COMBINING ENCLOSING KEYCAP is a mark (Me), so the keycap becomes
  // one ordinary (non-emoji) token "1\u20E3"; '1' is not an emoji start.
  auto t = analyze_ok("x 1️⃣ y");
  ASSERT_EQ(t.tokens.size(), 3u);
  EXPECT_EQ(unfold(t.key(t.tokens[1])), "1\u20E3");
  EXPECT_FALSE(t.tokens[1].is_emoji);
  EXPECT_EQ(t.tokens[1].orig_begin, 2u);
  EXPECT_EQ(t.tokens[1].orig_end, 9u);
  // "#️⃣" ('#' U+FE0F U+20E3): once FE0F is dropped, '#' stands directly
  // before the mark U+20E3, a token char, so the keycap becomes a hashtag:
  // a word token "\u20E3" carrying the tag "#\u20E3" over all 7 bytes.
  auto h = analyze_ok("#️⃣");
  ASSERT_EQ(h.tokens.size(), 1u);
  EXPECT_FALSE(h.tokens[0].is_emoji);
  EXPECT_EQ(unfold(h.key(h.tokens[0])), "\u20E3");
  EXPECT_TRUE(h.tokens[0].has_tag);
  EXPECT_EQ(unfold(h.tag_key(h.tokens[0])), "#\u20E3");
  EXPECT_EQ(h.tokens[0].tag_orig_begin, 0u);
  EXPECT_EQ(h.tokens[0].tag_orig_end, 7u);
  EXPECT_EQ(h.tokens[0].orig_begin, 4u);
}

TEST(Analyzer, TrademarkSignBecomesLettersAfterNfkc) {
  // ™ is Extended_Pictographic, but NFKC maps it to "TM" before tokenizing.
  auto t = analyze_ok("Brand™");
  EXPECT_EQ(words(t), strings{"brandtm"});
  EXPECT_FALSE(t.tokens[0].is_emoji);
}

// --- invalid UTF-8 ---

void expect_invalid_at(std::string_view s, size_t offset) {
  analyzer a;
  analyzed_text out;
  out.folded = "stale";
  status st = a.analyze(s, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), status_code::invalid_argument);
  EXPECT_EQ(st.message(), "invalid UTF-8 at byte " + std::to_string(offset));
}

TEST(Analyzer, RejectsInvalidUtf8WithOffset) {
  expect_invalid_at("\xFF", 0);
  expect_invalid_at("abc\xFF" "def", 3);
  expect_invalid_at("привет\xFF", 12);
  expect_invalid_at("ab\xD0", 2);              // truncated 2-byte at end
  expect_invalid_at("ab\xD0" "x", 2);          // truncated 2-byte before ASCII
  expect_invalid_at("\xC0\x80", 0);            // overlong NUL
  expect_invalid_at("xy\xC0\x80", 2);
  expect_invalid_at("z\xED\xA0\x80", 1);       // surrogate U+D800
  expect_invalid_at("\xF4\x90\x80\x80", 0);    // above U+10FFFF
  expect_invalid_at("😡\xF0\x9F\x98", 4);      // truncated 4-byte
  expect_invalid_at("e\xCC\x81\xFF", 3);       // after a composing segment
  expect_invalid_at("e\xCC", 1);               // truncated combining mark
}

TEST(Analyzer, ReusableAfterError) {
  analyzer a;
  analyzed_text out;
  ASSERT_FALSE(a.analyze("a\xFF", out).ok());
  ASSERT_TRUE(a.analyze("слово", out).ok());
  EXPECT_EQ(words(out), strings{"слово"});
  ASSERT_TRUE(a.analyze("b", out).ok());
  EXPECT_EQ(words(out), strings{"b"});
  EXPECT_EQ(out.folded, "b");
}

// --- byte map, empty and large inputs ---

TEST(Analyzer, ByteMapPerFoldedByte) {
  const std::string s = "Ая 😡";
  auto t = analyze_ok(s, true);
  // folded: а(1) я(1) ' '(1) escape(5)
  ASSERT_EQ(t.folded.size(), 8u);
  ASSERT_EQ(t.orig_begin_of.size(), 8u);
  ASSERT_EQ(t.orig_end_of.size(), 8u);
  const std::vector<uint32_t> begins = {0, 2, 4, 5, 5, 5, 5, 5};
  const std::vector<uint32_t> ends = {2, 4, 5, 9, 9, 9, 9, 9};
  EXPECT_EQ(t.orig_begin_of, begins);
  EXPECT_EQ(t.orig_end_of, ends);
}

TEST(Analyzer, ByteMapForExpansions) {
  auto t = analyze_ok("ﬁ½", true);
  // ﬁ → f i (bytes 0..3), ½ → 1 ⁄ 2 (bytes 3..5); ⁄ is an escape.
  ASSERT_EQ(unfold(t.folded), "fi1\u20442");
  ASSERT_EQ(t.folded.size(), 9u);
  const std::vector<uint32_t> begins = {0, 0, 3, 3, 3, 3, 3, 3, 3};
  const std::vector<uint32_t> ends = {3, 3, 5, 5, 5, 5, 5, 5, 5};
  EXPECT_EQ(t.orig_begin_of, begins);
  EXPECT_EQ(t.orig_end_of, ends);
}

TEST(Analyzer, ByteMapEmptyWhenNotRequested) {
  auto t = analyze_ok("abc");
  EXPECT_TRUE(t.orig_begin_of.empty());
  EXPECT_TRUE(t.orig_end_of.empty());
}

TEST(Analyzer, ByteMapClearedBetweenCalls) {
  analyzer a;
  analyzed_text out;
  ASSERT_TRUE(a.analyze("длинный текст", out, true).ok());
  ASSERT_TRUE(a.analyze("ab", out, true).ok());
  EXPECT_EQ(out.orig_begin_of, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(out.orig_end_of, (std::vector<uint32_t>{1, 2}));
  ASSERT_TRUE(a.analyze("ab", out, false).ok());
  EXPECT_TRUE(out.orig_begin_of.empty());
}

TEST(Analyzer, EmptyInput) {
  auto t = analyze_ok("", true);
  EXPECT_TRUE(t.folded.empty());
  EXPECT_TRUE(t.tokens.empty());
  EXPECT_TRUE(t.orig_begin_of.empty());
}

TEST(Analyzer, OneMebibyteInput) {
  std::string s;
  const std::string unit = "Доставка цветов 😡 #flowwow ";  // 44 bytes, 4 tokens
  while (s.size() + unit.size() <= (1u << 20)) s += unit;
  const size_t reps = s.size() / unit.size();
  while (s.size() < (1u << 20)) s.push_back(' ');
  ASSERT_EQ(s.size(), 1u << 20);
  auto t = analyze_ok(s);
  ASSERT_EQ(t.tokens.size(), reps * 4);
  const token& last = t.tokens.back();
  EXPECT_EQ(last.position, reps * 4 - 1);
  EXPECT_EQ(t.key(last), "flowwow");
  EXPECT_TRUE(last.has_tag);
  EXPECT_EQ(last.tag_orig_end, reps * unit.size() - 1);
}

// --- helpers ---

TEST(TokenizeTerm, SplitsLikeAnalyzer) {
  auto toks = tokenize_term("Интернет-Магазин");
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].text, "интернет");
  EXPECT_EQ(toks[0].original, "Интернет");
  EXPECT_EQ(toks[1].text, "магазин");
  EXPECT_EQ(toks[1].original, "Магазин");
  EXPECT_FALSE(toks[0].is_emoji);
}

TEST(TokenizeTerm, NormalizesAndMarksEmoji) {
  auto toks = tokenize_term("ЁЖИК👍🏽");
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].text, "ежик");
  EXPECT_EQ(toks[1].text, "👍🏽");
  EXPECT_EQ(toks[1].original, "👍🏽");
  EXPECT_TRUE(toks[1].is_emoji);
}

TEST(TokenizeTerm, HashtagGivesWordTokens) {
  auto toks = tokenize_term("#Flowwow_RU");
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].text, "flowwow");
  EXPECT_EQ(toks[1].text, "ru");
}

TEST(TokenizeTerm, InvalidBytesBecomeSeparators) {
  // U+FFFD is So, not a token char.
  auto toks = tokenize_term("ab\xFF" "cd");
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].text, "ab");
  EXPECT_EQ(toks[1].text, "cd");
}

TEST(TokenizeTerm, EmptyAndPunctuationOnly) {
  EXPECT_TRUE(tokenize_term("").empty());
  EXPECT_TRUE(tokenize_term("-- ,.!").empty());
}

TEST(Normalize, NfkcLowerYoAndVariationSelectors) {
  EXPECT_EQ(normalize("ＦＬＯＷＷＯＷ"), "flowwow");
  EXPECT_EQ(normalize("ﬁ"), "fi");
  EXPECT_EQ(normalize("½"), "1\u20442");
  EXPECT_EQ(normalize("Ёлка ЁЖ"), "елка еж");
  EXPECT_EQ(normalize("cafe\xCC\x81"), "caf\xC3\xA9");
  EXPECT_EQ(normalize("❤️"), "❤");
  EXPECT_EQ(normalize("ҚАЗАҚ"), "қазақ");
  EXPECT_EQ(normalize("Hello, World!"), "hello, world!");  // punctuation kept
  EXPECT_EQ(normalize(""), "");
}

TEST(Normalize, InvalidBytesBecomeReplacementCharacter) {
  EXPECT_EQ(normalize("a\xFF" "b"), "a\uFFFD" "b");
  EXPECT_EQ(normalize("\xC0\x80"), "\uFFFD\uFFFD");
}

TEST(NormalizeKeepCase, KeepsCaseAndYo) {
  EXPECT_EQ(normalize_keep_case("ＡｐｐＬｅ"), "AppLe");
  EXPECT_EQ(normalize_keep_case("Ёлка"), "Ёлка");
  EXPECT_EQ(normalize_keep_case("ёж"), "ёж");
  EXPECT_EQ(normalize_keep_case("\xD0\x95\xCC\x88"), "Ё");  // composes
  EXPECT_EQ(normalize_keep_case("ﬁ"), "fi");
  EXPECT_EQ(normalize_keep_case("❤️"), "❤");
  EXPECT_EQ(normalize_keep_case("Қ"), "Қ");
}

TEST(CharClass, IsTokenChar) {
  for (char32_t cp : {U'a', U'Z', U'0', U'9', U'я', U'Ё', U'қ', U'é', U'中', char32_t(0x301),
                      char32_t(0x20E3), char32_t(0x663) /* Arabic-Indic 3 */,
                      char32_t(0xFE0F) /* variation selectors are Mn; the analyzer drops them first */}) {
    EXPECT_TRUE(is_token_char(cp)) << std::hex << uint32_t(cp);
  }
  for (char32_t cp : {U' ', U'-', U'\'', U'_', U'#', U'@', U'.', char32_t(0x2019), char32_t(0xBD),
                      char32_t(0xB2) /* ² is No */, char32_t(0x1F621),
                      char32_t(0x200D), char32_t(0xFFFD)}) {
    EXPECT_FALSE(is_token_char(cp)) << std::hex << uint32_t(cp);
  }
}

TEST(CharClass, IsEmojiStart) {
  for (char32_t cp : {char32_t(0x1F621), char32_t(0x1F44D), char32_t(0x2764), char32_t(0x1F1F7),
                      char32_t(0x1F1E6), char32_t(0x1F1FF), char32_t(0xA9), char32_t(0x1F468)}) {
    EXPECT_TRUE(is_emoji_start(cp)) << std::hex << uint32_t(cp);
  }
  for (char32_t cp : {U'a', U'1', U'#', U'я', char32_t(0x1F3FD) /* skin tone */, char32_t(0x200D),
                      char32_t(0xFE0F), char32_t(0x20E3)}) {
    EXPECT_FALSE(is_emoji_start(cp)) << std::hex << uint32_t(cp);
  }
}

// --- property test over real Russian text ---

bool only_letters_digits(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp;
    if (!utf8::decode(s, i, cp)) return false;
    if (!is_token_char(cp)) return false;
  }
  return !s.empty();
}

TEST(AnalyzerProperty, RussianFortunes) {
  std::vector<std::string> texts = sito::testing::russian_fortunes();
  ASSERT_FALSE(texts.empty()) << "fortunes-ru is not installed (ops/setup installs it)";
  if (texts.size() > 5000) texts.resize(5000);
  analyzer a;
  analyzed_text t;
  size_t checked_keys = 0, total_tokens = 0;
  for (const std::string& s : texts) {
    ASSERT_TRUE(a.analyze(s, t).ok()) << s;
    uint32_t prev_begin = 0, prev_end = 0;
    for (size_t k = 0; k < t.tokens.size(); ++k) {
      const token& tok = t.tokens[k];
      ASSERT_EQ(tok.position, k) << s;
      ASSERT_LT(tok.orig_begin, tok.orig_end) << s;
      ASSERT_LE(tok.orig_end, s.size());
      ASSERT_LT(tok.fold_begin, tok.fold_end) << s;
      ASSERT_LE(tok.fold_end, t.folded.size());
      if (k > 0) {
        // Increasing and non-overlapping, except that one NFKC expansion
        // (such as ½ → 1⁄2) may yield several tokens with the same range.
        const bool same_source = tok.orig_begin == prev_begin && tok.orig_end == prev_end;
        if (!same_source) {
          ASSERT_GE(tok.orig_begin, prev_end) << s;
        }
      }
      prev_begin = tok.orig_begin;
      prev_end = tok.orig_end;
      const std::string_view key = t.key(tok);
      const std::string unfolded = unfold(key);
      ASSERT_EQ(fold(unfolded), key) << s;
      const std::string_view slice = std::string_view(s).substr(tok.orig_begin, tok.orig_end - tok.orig_begin);
      if (only_letters_digits(slice)) {
        ASSERT_EQ(unfolded, normalize(slice)) << s;
        ++checked_keys;
      }
    }
    total_tokens += t.tokens.size();
  }
  EXPECT_GT(texts.size(), 1000u);
  EXPECT_GT(checked_keys, total_tokens * 9 / 10);
}

/// Random texts built from the pieces the fast path treats differently:
/// Cyrillic, Latin, Kazakh, digits, #tags and @mentions, emoji with skin
/// tones and ZWJ, flags, combining marks, NFKC expansions, punctuation,
/// blanks, and invalid bytes.
std::string random_text(std::mt19937_64& rng) {
  static const std::vector<std::string> pieces = {
      "доставка", "Курьер", "ЁЛКА", "flowwow", "Apple", "қазақ", "әдемі", "2024", " ", " ", "  ", "\n", "\t",
      ", ", ". ", "!", "—", "«", "»", "…", "#", "@", "_", "-", "'", "#flowwow_ru", "@курьер_москва", "😡", "👍🏽",
      "👨\u200d👩\u200d👧", "🇷🇺", "❤️", "‼", "е\u0308", "\u0301", "ﬁ", "½", "Ｆ", "é", "中文", "\xff", "\xd0",
      "\xe2\x80", "a\u200db", "x\uFE0F", "İ", "ß", "Σ"};
  std::string out;
  const size_t n = rng() % 24;
  for (size_t k = 0; k < n; ++k) out += pieces[rng() % pieces.size()];
  return out;
}

/// Every implementation but the general one that this CPU runs.
std::vector<analyzer> non_general_analyzers() {
  std::vector<analyzer> out;
  for (analyzer_implementation impl : all_analyzer_implementations)
    if (impl != analyzer_implementation::general && supported_by_runtime_system(impl)) out.emplace_back(impl);
  return out;
}

void expect_same_analysis(analyzer& x, analyzer& reference, const std::string& s, bool with_map, size_t& tokens,
                          size_t& valid) {
  analyzed_text a, b;
  const status sa = x.analyze(s, a, with_map), sb = reference.analyze(s, b, with_map);
  ASSERT_EQ(sa.ok(), sb.ok()) << s;
  if (!sa.ok()) {
    EXPECT_EQ(sa.message(), sb.message()) << s;
    return;
  }
  ++valid;
  ASSERT_EQ(a.folded, b.folded) << s;
  ASSERT_EQ(a.orig_begin_of, b.orig_begin_of) << s;
  ASSERT_EQ(a.orig_end_of, b.orig_end_of) << s;
  ASSERT_EQ(a.tokens.size(), b.tokens.size()) << s;
  for (size_t k = 0; k < a.tokens.size(); ++k) {
    const token &p = a.tokens[k], &q = b.tokens[k];
    ASSERT_EQ(std::tie(p.fold_begin, p.fold_end, p.orig_begin, p.orig_end, p.position, p.is_emoji, p.has_tag),
              std::tie(q.fold_begin, q.fold_end, q.orig_begin, q.orig_end, q.position, q.is_emoji, q.has_tag))
        << s << " token " << k;
    ASSERT_EQ(p.hash, token_hash(a.key(p))) << s;
    ASSERT_EQ(p.hash, q.hash) << s;
    if (p.has_tag) {
      ASSERT_EQ(std::tie(p.tag_fold_begin, p.tag_fold_end, p.tag_orig_begin, p.tag_orig_end, p.tag_hash),
                std::tie(q.tag_fold_begin, q.tag_fold_end, q.tag_orig_begin, q.tag_orig_end, q.tag_hash))
          << s;
      ASSERT_EQ(p.tag_hash, token_hash(a.tag_key(p))) << s;
    }
  }
  tokens += a.tokens.size();
}

TEST(AnalyzerImplementations, AgreeTokenForTokenOnRandomText) {
  analyzer general(analyzer_implementation::general);
  std::vector<analyzer> others = non_general_analyzers();
  std::mt19937_64 rng(20261129);
  size_t valid = 0, tokens = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s = random_text(rng);
    // Long runs too, so that the SIMD paths see 16 and 32 letters at once.
    if (round % 4 == 0) s += " " + std::string(rng() % 40, 'x') + " ДОСТАВКАдоставкаёЁ" + s;
    // And past one and two 64-byte blocks.
    if (round % 3 == 0) {
      s += random_text(rng) + " ";
      for (size_t k = rng() % 35; k-- > 0;) s += "щ";
      s += random_text(rng);
    }
    for (analyzer& x : others)
      for (bool with_map : {false, true}) {
        expect_same_analysis(x, general, s, with_map, tokens, valid);
        if (::testing::Test::HasFatalFailure()) return;
      }
  }
  EXPECT_GT(valid, 10000u) << "the generator should mostly produce valid UTF-8";
  EXPECT_GT(tokens, 50000u);
}

TEST(AnalyzerImplementations, AgreeOnTheRussianCorpus) {
  analyzer general(analyzer_implementation::general);
  std::vector<analyzer> others = non_general_analyzers();
  size_t valid = 0, tokens = 0;
  for (const std::string& s : sito::testing::russian_fortunes())
    for (analyzer& x : others) {
      expect_same_analysis(x, general, s, false, tokens, valid);
      if (::testing::Test::HasFatalFailure()) return;
    }
  EXPECT_GT(tokens, 100000u);
}

TEST(AnalyzerImplementations, AgreeAtEveryBlockBoundary) {
  // Whatever sits at a block's edge (a Cyrillic letter split by it, a token
  // running over it, a tag, an emoji, a combining mark after it), at every
  // offset across two 64-byte blocks: the same output as the general path.
  const std::vector<std::string> tails = {"Ёлка ёж", "доставка", "x#тег_ok y", "я😡z", "е\u0301ж", "ABCяЯ",
                                          "қазақ", "a\u200db", "9 9"};
  analyzer general(analyzer_implementation::general);
  std::vector<analyzer> others = non_general_analyzers();
  size_t valid = 0, tokens = 0;
  for (const std::string& tail : tails)
    for (size_t k = 0; k < 140; ++k)
      for (const std::string& fill : {std::string(k, 'a'),          // a token over the edge
                                      std::string(k, ' ') + "ж",    // a Cyrillic letter at byte k
                                      std::string(k / 2, 'x') + std::string(k - k / 2, ' ')})
        for (analyzer& x : others) {
          expect_same_analysis(x, general, fill + tail + fill, false, tokens, valid);
          if (::testing::Test::HasFatalFailure()) return;
        }
  EXPECT_EQ(valid, tails.size() * 140 * 3 * others.size());
}

TEST(AnalyzerImplementations, FastPathResumesAfterAHashtagOrEmoji) {
  // The general path handles one blank-delimited stretch, then the fast path
  // takes over again: positions and offsets stay exact on both sides.
  const std::string s = "до #flowwow_ru после 😡 и ещё";
  const analyzed_text t = analyze_ok(s, true);
  EXPECT_EQ(words(t), (std::vector<std::string>{"до", "flowwow", "ru", "после", "😡", "и", "еще"}));
  ASSERT_EQ(t.tokens.size(), 7u);
  EXPECT_TRUE(t.tokens[1].has_tag);
  EXPECT_EQ(unfold(t.tag_key(t.tokens[1])), "#flowwow_ru");
  EXPECT_EQ(s.substr(t.tokens[3].orig_begin, t.tokens[3].orig_end - t.tokens[3].orig_begin), "после");
  EXPECT_EQ(t.tokens[6].position, 6u);
  EXPECT_EQ(s.substr(t.tokens[6].orig_begin), "ещё");
}

TEST(AnalyzerImplementations, AgreeOnTagsAtTheirEdges) {
  // The fast path emits a #tag or @mention itself when every code point of it
  // has a fast entry, and hands it to the general path otherwise: both must
  // give what the general path gives, at every edge of a tag body.
  const std::vector<std::string> cases = {
      "#Доставка_СДЭК сегодня", "@Курьер_Москва_1, привет", "##двойной", "#_подчерк", "a#b", "слово#тег",
      "#тег_", "#тег__хвост", "#кофе\u0301 тут", "#тег😡", "#тег\u200d", "#тег—тире", "#ТЕГ«кавычка»", "# пробел",
      "#", "@", "#1", "#é_ß", "#中文", "#a\u0308b", "#ё_Ё", "@@x_y", "#x#y", "#x@y", "#қазақ_тілі"};
  analyzer general(analyzer_implementation::general);
  std::vector<analyzer> others = non_general_analyzers();
  size_t valid = 0, tokens = 0;
  for (const std::string& c : cases)
    for (const std::string& s : {c, "начало " + c + " конец", c + std::string(40, 'z')})
      for (analyzer& x : others)
        for (bool with_map : {false, true}) {
          expect_same_analysis(x, general, s, with_map, tokens, valid);
          if (::testing::Test::HasFatalFailure()) return;
        }
  EXPECT_EQ(valid, cases.size() * 3 * others.size() * 2);
  // And the tag itself: words split at `_`, the first carrying the whole tag.
  const analyzed_text t = analyze_ok("до #Доставка_СДЭК_ после", true);
  EXPECT_EQ(words(t), (std::vector<std::string>{"до", "доставка", "сдэк", "после"}));
  ASSERT_TRUE(t.tokens[1].has_tag);
  EXPECT_FALSE(t.tokens[2].has_tag);
  EXPECT_EQ(unfold(t.tag_key(t.tokens[1])), "#доставка_сдэк_");
}

TEST(TokenHash, DependsOnEveryByteAndTheLength) {
  std::vector<std::string> keys = {"", "a", "ab", "abc", "abcd", "abcde", "abcdefgh", "abcdefghi",
                                   "abcdefghijklmnop", "abcdefghijklmnopq", std::string(40, 'x'), std::string(41, 'x')};
  for (size_t len = 1; len <= 40; ++len) {
    std::string k(len, 'q');
    k[len / 2] = 'r';
    keys.push_back(k);
    k[len - 1] = 's';
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<uint64_t> hashes;
  for (const auto& k : keys) hashes.push_back(token_hash(k));
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(std::adjacent_find(hashes.begin(), hashes.end()), hashes.end()) << "distinct keys, distinct hashes";
}

TEST(TokenHash, TheReadableVariantIgnoresWhatFollowsTheKey) {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 40; ++n)
    for (int round = 0; round < 20; ++round) {
      std::string buf(n + 16, '\0');
      for (char& c : buf) c = static_cast<char>(rng());
      const std::string key = buf.substr(0, n);
      ASSERT_EQ(token_hash_within(buf.data(), n, buf.data() + buf.size()), token_hash(key)) << n;
      // And where less than 16 bytes are readable: the plain hash.
      ASSERT_EQ(token_hash_within(key.data(), n, key.data() + n), token_hash(key)) << n;
    }
}

}  // namespace
}  // namespace sito::text
