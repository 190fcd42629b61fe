// The reference evaluator against hand-computed answers: the oracle itself
// must be right before it can judge the engine.
#include <gtest/gtest.h>

#include "reference/reference_evaluator.hpp"
#include "sito/query/parser.hpp"

namespace sito::reference {
namespace {

std::optional<std::vector<ref_highlight>> eval(const std::string& q, const std::string& text,
                                               std::vector<std::string> channels = {}, std::string channel = {}) {
  static evaluator ev;
  auto parsed = query::parse(q, !channels.empty());
  EXPECT_TRUE(parsed.ok()) << q;
  static post p;
  p = post{};
  p.id = "x";
  p.text = text;
  p.channel = std::move(channel);
  ev.set_post(p);
  topic_spec t{"t", "id", "", q, std::move(channels), {}};
  return ev.evaluate(t, parsed.ok() ? &*parsed.root : nullptr);
}

TEST(ReferenceAnalyze, TokensPositionsAndOriginalBytes) {
  ref_field f = analyze("Интернет-магазин, #Flowwow_RU 😡!");
  ASSERT_EQ(f.tokens.size(), 5u);
  EXPECT_EQ(f.tokens[0].text, "интернет");
  EXPECT_EQ(f.tokens[1].text, "магазин");
  EXPECT_EQ(f.tokens[2].text, "flowwow");
  EXPECT_EQ(f.tokens[2].tag, "#flowwow_ru");
  EXPECT_EQ(f.tokens[3].text, "ru");
  EXPECT_TRUE(f.tokens[4].emoji);
  EXPECT_EQ(f.tokens[4].position, 4u);
  EXPECT_EQ(f.tokens[1].orig_begin, 17u);
  EXPECT_EQ(f.tokens[1].orig_end, 31u);
}

TEST(ReferenceEvaluator, NearGapIsStartOfLaterMinusEndOfEarlier) {
  // a(0) x(1) b(2): gap 2.
  EXPECT_FALSE(eval("a NEAR/1 b", "a x b"));
  EXPECT_TRUE(eval("a NEAR/2 b", "a x b"));
  EXPECT_TRUE(eval("b NEAR/2 a", "a x b"));
  // Overlapping spans have gap 0.
  EXPECT_TRUE(eval("a NEAR/0 a", "a"));
  // ONEAR: b must start 1..n after a ends.
  EXPECT_TRUE(eval("a ONEAR/2 b", "a x b"));
  EXPECT_FALSE(eval("b ONEAR/5 a", "a x b"));
}

TEST(ReferenceEvaluator, NearResultsChainThroughCoveringSpans) {
  // (a NEAR/1 b) covers positions 0..1; c at 3 is 2 after its end.
  EXPECT_TRUE(eval("(a NEAR/1 b) NEAR/2 c", "a b x c"));
  EXPECT_FALSE(eval("(a NEAR/1 b) NEAR/1 c", "a b x c"));
}

TEST(ReferenceEvaluator, ProximityPhraseNeedsEveryWordInTheWindow) {
  EXPECT_TRUE(eval("\"b a\"~2", "a x b"));
  EXPECT_FALSE(eval("\"b a\"~1", "a x b"));
  EXPECT_FALSE(eval("\"a a\"~5", "a x b"));  // two distinct tokens needed
  EXPECT_TRUE(eval("\"a a\"~5", "a x a"));
}

TEST(ReferenceEvaluator, HighlightsComeFromTruePartsOnly) {
  auto h = eval("(доставка -цветы) OR (курьер AND вакансия)", "доставка курьер");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0].label, "доставка");
  EXPECT_EQ((*h)[0].begin, 0u);
  EXPECT_EQ((*h)[0].end, 16u);
}

TEST(ReferenceEvaluator, ChannelsWidenOrNarrowTheQuery) {
  EXPECT_TRUE(eval("доставка", "ничего", {"page"}, "page"));           // channel OR query
  EXPECT_TRUE(eval("-вакансия", "отзыв", {"page"}, "page"));           // channel AND NOT
  EXPECT_FALSE(eval("-вакансия", "вакансия", {"page"}, "page"));
  EXPECT_FALSE(eval("-вакансия", "отзыв", {"page"}, "other"));
}

TEST(ReferenceEvaluator, MorphologyRules) {
  EXPECT_TRUE(eval("доставка", "нет доставок"));     // hunspell entry
  EXPECT_TRUE(eval("фловвов", "спасибо фловвову"));  // stem(W) == T
  EXPECT_FALSE(eval("!доставка", "доставки"));
}

TEST(ReferenceText, NormalizeIsNfkcLowerCaseYoAndNoVariationSelectors) {
  EXPECT_EQ(normalize("ＦＬＯＷＷＯＷ Ёлка ❤️ ﬁne ½"), "flowwow елка ❤ fine 1⁄2");
  EXPECT_EQ(normalize("Қазақ ӘДЕМІ"), "қазақ әдемі");  // Kazakh letters stay
  EXPECT_EQ(normalize_keep_case("Ёлка ＡＢ❤️"), "Ёлка AB❤");
  EXPECT_EQ(classify("гүл"), ref_script::kazakh);
  EXPECT_EQ(classify("доставка"), ref_script::cyrillic);
  EXPECT_EQ(classify("iphone15"), ref_script::latin);
  EXPECT_EQ(classify("2024"), ref_script::other);
}

TEST(ReferenceMorphology, ThreeRulesAndExactScripts) {
  static ref_morphology m;
  ASSERT_TRUE(m.has_dictionary()) << "hunspell-ru must be installed (ops/setup)";
  EXPECT_TRUE(m.matches("доставка", "доставок"));   // one .dic entry; the stems differ
  EXPECT_NE(m.stem("доставка"), m.stem("доставок"));
  EXPECT_TRUE(m.matches("цветы", "цветами"));       // equal stems
  EXPECT_TRUE(m.matches("фловвов", "фловвову"));     // stem(W) == T
  EXPECT_FALSE(m.matches("фловвову", "фловвов"));
  EXPECT_TRUE(m.matches("елка", "елки"));            // ёлка/ёлки: the .dic writes ё
  EXPECT_TRUE(m.matches("москва", "москвы"));        // the .dic writes Москва
  EXPECT_TRUE(m.matches("камаз", "камазу"));         // the .dic writes КамАЗ
  EXPECT_TRUE(m.matches("flowers", "flower"));       // English stemmer
  EXPECT_FALSE(m.matches("гүл", "гүлдер"));          // Kazakh: exact form only
  EXPECT_TRUE(m.matches("гүл", "гүл"));
  EXPECT_FALSE(m.matches("доставка", "курьер"));
}

TEST(ReferenceRules, SentimentModelByHand) {
  using rules::lexicon_role;
  const lexicon_role polar = lexicon_role::polar, neg = lexicon_role::negator, after = lexicon_role::negator_after,
                     inten = lexicon_role::intensifier;
  auto score = [](std::vector<lexicon_hit> h) { return score_model(std::move(h)).score; };
  EXPECT_FLOAT_EQ(score({{1, 0, polar, 2}}), 2);
  EXPECT_FLOAT_EQ(score({{1, 0, neg, 1}, {1, 3, polar, 2}}), -1.5f);   // negator 3 before
  EXPECT_FLOAT_EQ(score({{1, 0, neg, 1}, {1, 4, polar, 2}}), 2);       // 4 before: too far
  EXPECT_FLOAT_EQ(score({{1, 0, neg, 1}, {1, 1, polar, 1}, {1, 2, polar, -2}}), -2.75f);  // the first term blocks
  EXPECT_FLOAT_EQ(score({{1, 0, neg, 1}, {1, 1, polar, 2, true}}), 2);  // emoji are not negated
  EXPECT_FLOAT_EQ(score({{1, 0, polar, 2}, {1, 2, after, 1}}), -1.5f);  // negator_after 2 after
  EXPECT_FLOAT_EQ(score({{1, 0, polar, 2}, {1, 3, after, 1}}), 2);
  EXPECT_FLOAT_EQ(score({{1, 0, inten, 1.2f}, {1, 1, inten, 1.5f}, {1, 2, polar, 2}}), 3);  // strongest
  EXPECT_FLOAT_EQ(score({{1, 0, inten, 1.5f}, {1, 3, polar, 2}}), 2);                        // 3 before: too far
  EXPECT_FLOAT_EQ(score({{1, 5, polar, 1}, {1, 5, polar, -1}, {1, 5, polar, 1}}), -1);  // one token, tie: negative
  EXPECT_FLOAT_EQ(score({{1, 5, polar, 2}, {1, 5, polar, -1}}), 2);                     // one token, strongest
  EXPECT_FLOAT_EQ(score({{0, 2, neg, 1}, {1, 3, polar, 1}}), 1);                        // other field
  // A switched-off term neither counts nor blocks.
  model_sentiment m = score_model({{1, 0, neg, 1}, {1, 1, polar, 0}, {1, 2, polar, 1}});
  EXPECT_FLOAT_EQ(m.score, -0.75f);
  EXPECT_EQ(m.label, rules::sentiment::negative);  // <= -0.75
  EXPECT_EQ(score_model({{1, 0, polar, 0.5f}}).label, rules::sentiment::neutral);
  EXPECT_TRUE(score_model({{2, 7, lexicon_role::ad_marker, 1}}).ad_marked);
}

TEST(ReferenceRules, PriorityAndFlagsByHand) {
  using rules::sentiment;
  EXPECT_NEAR(priority(sentiment::negative, 999, 0, "Review", true, true), 40 + 15 + 15 + 5 + 10, 1e-4);
  EXPECT_NEAR(priority(sentiment::positive, std::nullopt, 0, "unknown", false, false), 5, 1e-4);
  EXPECT_NEAR(priority(sentiment::neutral, 10, 10'000'000, "news", false, false), 15 + 30 + 10, 1e-4);
  EXPECT_NEAR(priority(sentiment::neutral, 99, 0, "messenger", false, false), 15 + 10 + 5, 1e-4);
  EXPECT_EQ(account_key("@@Brand_Official"), "brand_official");
  EXPECT_TRUE(word_of_mouth(false, false, "social"));
  EXPECT_FALSE(word_of_mouth(false, false, "NEWS"));
  EXPECT_FALSE(word_of_mouth(true, false, "social"));
  EXPECT_FALSE(word_of_mouth(false, true, "social"));
}

}  // namespace
}  // namespace sito::reference
