// The built-in sentiment model: the lexicon file, the scoring arithmetic,
// and a readable set of posts with the sentiment a reviewer expects.
#include <gtest/gtest.h>

#include "sito/compile/compiler.hpp"
#include "sito/rules/sentiment_lexicon.hpp"
#include "sito/rules/sentiment_scorer.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace sito::rules {
namespace {

TEST(Lexicon, BuiltinParsesWithAVersionAndEveryRole) {
  const sentiment_lexicon& lex = builtin_lexicon();
  EXPECT_FALSE(lex.version.empty());
  size_t by_role[5] = {};
  for (const auto& e : lex.entries) ++by_role[static_cast<int>(e.role)];
  EXPECT_GT(by_role[static_cast<int>(lexicon_role::polar)], 150u);
  EXPECT_GT(by_role[static_cast<int>(lexicon_role::negator)], 5u);
  EXPECT_GE(by_role[static_cast<int>(lexicon_role::negator_after)], 1u);
  EXPECT_GT(by_role[static_cast<int>(lexicon_role::intensifier)], 5u);
  EXPECT_GT(by_role[static_cast<int>(lexicon_role::ad_marker)], 3u);
}

TEST(Lexicon, EveryBuiltinTermCompilesToOneToken) {
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{{"t", "x", "", "бренд", {}, {}}}, {}, &report);
  ASSERT_TRUE(snap.ok());
  for (const auto& e : report.errors) ADD_FAILURE() << e.diagnostic.message;
  EXPECT_EQ((*snap)->sentiment_terms.size(), builtin_lexicon().entries.size());
}

TEST(Lexicon, ErrorsNameTheOriginLineAndReason) {
  auto bad_role = parse_lexicon("pos хорошо 1\nplus круто 1\n", "acme.txt");
  ASSERT_FALSE(bad_role.ok());
  EXPECT_NE(bad_role.error().message().find("acme.txt:2: unknown role 'plus'"), std::string::npos)
      << bad_role.error().message();
  auto bad_weight = parse_lexicon("# version: 1\n\nneg ужас много\n", "x");
  ASSERT_FALSE(bad_weight.ok());
  EXPECT_NE(bad_weight.error().message().find("x:3: weight 'много'"), std::string::npos);
  auto missing = parse_lexicon("negator\n", "y");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("y:1:"), std::string::npos);
  auto ok = parse_lexicon("# version: acme-3\npos огонь 1.5\r\nad #промокод\n", "z");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->version, "acme-3");
  ASSERT_EQ(ok->entries.size(), 2u);
  EXPECT_FLOAT_EQ(ok->entries[0].weight, 1.5f);
  EXPECT_EQ(ok->entries[1].role, lexicon_role::ad_marker);
}

sentiment_event polar(uint32_t pos, float w, bool emoji = false) { return {1, pos, lexicon_role::polar, w, emoji}; }
sentiment_event role(uint32_t pos, lexicon_role r, float w = 1) { return {1, pos, r, w, false}; }

TEST(Scorer, NegatorWithinThreeTokensFlipsAndSoftens) {
  std::vector<sentiment_event> ev = {role(0, lexicon_role::negator), polar(2, 2)};
  auto r = score_sentiment(ev);
  EXPECT_FLOAT_EQ(r.score, -1.5f);
  EXPECT_EQ(r.label, sentiment::negative);
  ev = {role(0, lexicon_role::negator), polar(4, 2)};  // four tokens away: out of reach
  EXPECT_EQ(score_sentiment(ev).label, sentiment::positive);
}

TEST(Scorer, AModifierServesOnlyTheNearestPolarTerm) {
  // не понравилось, цветы завяли: the second term is not negated.
  std::vector<sentiment_event> ev = {role(0, lexicon_role::negator), polar(1, 1.5f), polar(3, -1.5f)};
  EXPECT_FLOAT_EQ(score_sentiment(ev).score, -1.125f - 1.5f);
  std::vector<sentiment_event> in = {role(0, lexicon_role::intensifier, 2), polar(1, 1), polar(2, 1)};
  EXPECT_FLOAT_EQ(score_sentiment(in).score, 3.f);
}

TEST(Scorer, NegatorAfterFlipsThePrecedingTerm) {
  std::vector<sentiment_event> ev = {polar(1, 1), role(2, lexicon_role::negator_after)};
  EXPECT_EQ(score_sentiment(ev).label, sentiment::negative);
}

TEST(Scorer, IntensifierMultipliesTheNextTerm) {
  std::vector<sentiment_event> ev = {role(0, lexicon_role::intensifier, 1.5f), polar(1, 1)};
  EXPECT_FLOAT_EQ(score_sentiment(ev).score, 1.5f);
}

TEST(Scorer, EmojiIsNeverNegated) {
  std::vector<sentiment_event> ev = {role(0, lexicon_role::negator), polar(1, -2, /*emoji=*/true)};
  EXPECT_FLOAT_EQ(score_sentiment(ev).score, -2.f);
}

TEST(Scorer, MixedPostStaysNeutralAndATokenCountsOnce) {
  std::vector<sentiment_event> mixed = {polar(0, 1), polar(5, -1)};
  EXPECT_EQ(score_sentiment(mixed).label, sentiment::neutral);
  // хорошо found as two entries of equal strength and opposite sign: the
  // negative one wins, whatever the order.
  std::vector<sentiment_event> a = {polar(3, 1), polar(3, -1)}, b = {polar(3, -1), polar(3, 1)};
  EXPECT_FLOAT_EQ(score_sentiment(a).score, -1.f);
  EXPECT_FLOAT_EQ(score_sentiment(b).score, -1.f);
  std::vector<sentiment_event> twice = {polar(3, 2), polar(3, 2)};
  EXPECT_FLOAT_EQ(score_sentiment(twice).score, 2.f);
}

TEST(Scorer, NegationDoesNotCrossFields) {
  std::vector<sentiment_event> ev = {{0, 5, lexicon_role::negator, 1, false}, {1, 0, lexicon_role::polar, 2, false}};
  EXPECT_FLOAT_EQ(score_sentiment(ev).score, 2.f);
}

/// The full path: lexicon terms found through the compiled term index.
class SentimentSet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<topic_spec> topics = {{"acme", "all", "", "", {"c"}, {}}, {"other", "all", "", "", {"c"}, {}}};
    compile_options options;
    auto ext = parse_lexicon("neg треш 2\npos спасибо 0\n", "acme");
    ASSERT_TRUE(ext.ok());
    options.tenant_lexicons["acme"] = *ext;
    compile_report report;
    auto snap = compile_topics(topics, options, &report);
    ASSERT_TRUE(snap.ok());
    ASSERT_TRUE(report.errors.empty()) << report.errors[0].diagnostic.message;
    scanner_ = new batch_scanner(*snap);
  }
  static void TearDownTestSuite() { delete scanner_; }

  /// Sentiment of `text` for tenant "other" (built-in lexicon) or "acme".
  static std::string mood(const std::string& text, const std::string& tenant = "other") {
    post p;
    p.id = "p";
    p.channel = "c";
    p.text = text;
    scan_output out;
    scanner_->scan_serial(std::span<const post>(&p, 1), out);
    for (const auto& m : out.matches)
      if (scanner_->snapshot()->topics[m.topic].tenant == tenant) return to_string(m.sentiment);
    return "no mention";
  }
  static batch_scanner* scanner_;
};
batch_scanner* SentimentSet::scanner_ = nullptr;

TEST_F(SentimentSet, Russian) {
  EXPECT_EQ(mood("Очень понравилось, спасибо!"), "positive");
  EXPECT_EQ(mood("Букет просто восторг, флорист молодец"), "positive");
  EXPECT_EQ(mood("Не понравилось: цветы завяли на следующий день"), "negative");
  EXPECT_EQ(mood("Ничего не понравилось"), "negative");
  EXPECT_EQ(mood("Доставка ужасная, курьер хамил"), "negative");
  EXPECT_EQ(mood("Не рекомендую этот магазин"), "negative");
  EXPECT_EQ(mood("Курьер приехал в 15:00, букет из 25 роз"), "neutral");
  EXPECT_EQ(mood("Доставили быстро, но цветы помятые"), "neutral");  // mixed
  EXPECT_EQ(mood("ЭТО ПРОСТО УЖАС"), "negative");
}

TEST_F(SentimentSet, English) {
  EXPECT_EQ(mood("I love this app, great service"), "positive");
  EXPECT_EQ(mood("Terrible delivery, the worst shop"), "negative");
  EXPECT_EQ(mood("I don't recommend them"), "negative");
  EXPECT_EQ(mood("Not bad at all"), "positive");
  EXPECT_EQ(mood("The courier arrived at noon"), "neutral");
}

TEST_F(SentimentSet, Kazakh) {
  EXPECT_EQ(mood("Қызмет өте жақсы, рахмет"), "positive");
  EXPECT_EQ(mood("Қызмет жақсы емес"), "negative");
  EXPECT_EQ(mood("Жеткізу нашар"), "negative");
}

TEST_F(SentimentSet, Emoji) {
  EXPECT_EQ(mood("Доставка 😡😡"), "negative");
  EXPECT_EQ(mood("Букет 😍"), "positive");
  EXPECT_EQ(mood("не 😡"), "negative");  // emoji are not negated
  EXPECT_EQ(mood("👍"), "positive");
}

TEST_F(SentimentSet, TenantLexiconExtendsAndSwitchesOff) {
  EXPECT_EQ(mood("полный треш", "acme"), "negative");
  EXPECT_EQ(mood("полный треш", "other"), "neutral");
  EXPECT_EQ(mood("спасибо", "acme"), "neutral");  // weight 0 switches the built-in term off
  EXPECT_EQ(mood("спасибо", "other"), "positive");
}

TEST(TenantLexicon, ABadEntryIsReportedAndTheRestWork) {
  compile_options options;
  auto ext = parse_lexicon("pos очень-хорошо 1\nneg треш 2\n", "acme");
  ASSERT_TRUE(ext.ok());
  options.tenant_lexicons["acme"] = *ext;
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{{"acme", "all", "", "", {"c"}, {}}}, options, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].tenant, "acme");
  EXPECT_NE(report.errors[0].diagnostic.message.find("line 1 ('очень-хорошо')"), std::string::npos)
      << report.errors[0].diagnostic.message;
  batch_scanner scanner(*snap);
  post p;
  p.id = "p";
  p.channel = "c";
  p.text = "полный треш";
  scan_output out;
  scanner.scan_serial(std::span<const post>(&p, 1), out);
  ASSERT_EQ(out.matches.size(), 1u);
  EXPECT_EQ(out.matches[0].sentiment, sentiment::negative);
}

}  // namespace
}  // namespace sito::rules
