// The reference evaluator against hand-computed answers: the oracle itself
// must be right before it can judge the engine.
#include <gtest/gtest.h>

#include "reference/reference_evaluator.hpp"
#include "sito/query/parser.hpp"

namespace sito::reference {
namespace {

std::optional<std::vector<ref_highlight>> eval(const std::string& q, const std::string& text,
                                               std::vector<std::string> channels = {}, std::string channel = {}) {
  static evaluator ev(morph::morphology::default_instance());
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

}  // namespace
}  // namespace sito::reference
