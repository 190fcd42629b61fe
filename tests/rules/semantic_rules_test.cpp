// Semantic tags in topics (issue 12): tags by example in topic files, their
// errors, and their place in the documented order — decided once per post
// before tags and rules, a query and examples both needed when both are
// given, rules seeing them as `tag:"…"`, and explain. Cases written by hand.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "sito/compile/compiler.hpp"
#include "sito/compile/validate.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/enrich/semantic_tags.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/scan/semantic_facts.hpp"

namespace sito {
namespace {

topic_spec shop() {
  topic_spec t{"shop", "shop", "", "магазин* OR заказ* OR курьер* OR доставк*", {}, {}};
  tag_spec late{"Доставка/Опоздание", "", {"курьер опоздал на два часа", "заказ привезли с опозданием"},
                {"курьер приехал вовремя", "привезли раньше срока"}, 0.3f};
  tag_spec late_review = late;  // the same examples, but only on review pages
  late_review.path = "Доставка/Опоздание/Отзывы";
  late_review.query = "type:review";
  tag_spec rude{"Поддержка/Грубость", "", {"оператор нахамил", "грубый ответ поддержки"}, {}, -1};
  t.tags = {late, late_review, rude};
  rule_spec neg;
  neg.name = "late-negative";
  neg.when = "tag:\"Доставка/Опоздание\"";
  neg.then.sentiment = "negative";
  neg.then.priority = 90;
  t.rules = {neg};
  return t;
}

post make_post(std::string id, std::string text, std::string type = "social") {
  post p;
  p.id = std::move(id);
  p.text = std::move(text);
  p.source = "vk";
  p.source_type = std::move(type);
  return p;
}

struct result_row {
  std::vector<std::string> tags;
  std::string sentiment;
};

class SemanticRules : public ::testing::Test {
 protected:
  void SetUp() override {
    compile_report report;
    auto snap = compile_topics(std::vector<topic_spec>{shop()}, {}, &report);
    ASSERT_TRUE(snap.ok()) << snap.error().to_string();
    ASSERT_TRUE(report.errors.empty()) << report.errors[0].diagnostic.message;
    ASSERT_TRUE((*snap)->semantic_tags);
    scanner_ = std::make_unique<batch_scanner>(*snap);
  }
  /// Scans, decides semantic tags and applies them, as sito match and sitod do.
  std::vector<result_row> run(const std::vector<post>& posts, bool with_semantic = true) {
    scan_output out;
    scanner_->scan(posts, out);
    std::vector<stream_facts> facts(posts.size());
    if (with_semantic) {
      semantic_tagger tagger(*backend_);
      EXPECT_TRUE(tagger.decide(*scanner_->snapshot(), posts, out, facts).ok());
      scanner_->apply_facts(posts, facts, out);
    }
    std::vector<result_row> rows(posts.size());
    const auto& s = *scanner_->snapshot();
    for (const auto& m : out.matches) {
      for (uint32_t t : out.tags_of(m)) rows[m.post].tags.push_back(std::string(s.label(t)));
      rows[m.post].sentiment = rules::to_string(m.sentiment);
    }
    return rows;
  }
  std::unique_ptr<enrich::embedding_backend> backend_ = enrich::make_cpu_embedding_backend();
  std::unique_ptr<batch_scanner> scanner_;
};

using tags = std::vector<std::string>;

TEST_F(SemanticRules, ExamplesDecideRulesSeeThemAndAQueryMustHoldToo) {
  const std::vector<post> posts = {
      make_post("late", "Заказала букет в магазине. Курьер опоздал на два часа, цветы завяли"),
      make_post("late-review", "Заказ привезли с опозданием в три дня, магазин не извинился", "review"),
      make_post("on-time", "Спасибо магазину: курьер приехал вовремя, всё целое"),
      make_post("rude", "Оформила заказ, а оператор нахамил мне в чате поддержки"),
      make_post("other", "Магазин открылся на новом месте, заходите"),
  };
  const auto rows = run(posts);
  EXPECT_EQ(rows[0].tags, tags{"Доставка/Опоздание"});
  EXPECT_EQ(rows[0].sentiment, "negative");  // the rule saw the semantic tag
  EXPECT_EQ(rows[1].tags, (tags{"Доставка/Опоздание", "Доставка/Опоздание/Отзывы"}));  // type:review holds too
  EXPECT_EQ(rows[2].tags, tags{});            // the counter-example is nearer
  EXPECT_NE(rows[2].sentiment, "negative");
  EXPECT_EQ(rows[3].tags, tags{"Поддержка/Грубость"});  // default min_similarity
  EXPECT_EQ(rows[4].tags, tags{});
}

TEST_F(SemanticRules, WithoutTheDecisionNoSemanticTagHolds) {
  // A scan whose stream facts are unknown (the first half of sitod's two
  // steps) holds every semantic tag false, like is:duplicate.
  const auto rows = run({make_post("late", "Курьер опоздал на два часа, заказ испорчен")}, false);
  EXPECT_EQ(rows[0].tags, tags{});
}

TEST_F(SemanticRules, EachPostIsEmbeddedOnceAndOnlyMatchedPostsAre) {
  std::vector<post> posts;
  for (int i = 0; i < 50; ++i) posts.push_back(make_post(std::to_string(i), "курьер опоздал, заказ номер " + std::to_string(i)));
  posts.push_back(make_post("unmatched", "погода сегодня отличная"));
  scan_output out;
  scanner_->scan(posts, out);
  std::vector<stream_facts> facts;
  semantic_tagger tagger(*backend_);
  ASSERT_TRUE(tagger.decide(*scanner_->snapshot(), posts, out, facts).ok());
  EXPECT_EQ(tagger.posts_embedded(), 50u);
  ASSERT_EQ(facts.size(), posts.size());
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(facts[i].semantic.empty()) << i;
  EXPECT_TRUE(facts[50].semantic.empty());
}

TEST_F(SemanticRules, OnlyFactsATopicReadsRescanAPost) {
  // The topic reads semantic tags, not is:duplicate: a post known to be a
  // duplicate whose semantic tags do not hold is not scanned again (the
  // detector marks most matched posts of a campaign), one whose tag holds is.
  const std::vector<post> posts = {make_post("late", "Курьер опоздал на два часа, заказ испорчен"),
                                   make_post("other", "Магазин открылся на новом месте, заходите")};
  scan_output out;
  scanner_->scan(posts, out);
  ASSERT_EQ(out.fact_readers.size(), 2u);
  EXPECT_FALSE(out.fact_readers[0].reads_duplicate);
  const size_t matches = out.matches.size();
  const uint64_t evaluated = out.topics_evaluated;
  std::vector<stream_facts> facts(posts.size());
  for (auto& f : facts) f.duplicate = true;
  scanner_->apply_facts(posts, facts, out);
  EXPECT_EQ(out.topics_evaluated, evaluated) << "a duplicate fact no topic reads: nothing scanned again";
  EXPECT_EQ(out.matches.size(), matches);
  facts[0].semantic = {0};
  scanner_->apply_facts(posts, facts, out);
  EXPECT_EQ(out.topics_evaluated, evaluated + 1) << "a semantic tag that holds: that post scanned again";
}

TEST_F(SemanticRules, ExplainShowsTheNearestExampleAndCounterExampleAndBothScores) {
  const auto e = scanner_->explain(make_post("on-time", "Спасибо магазину: курьер приехал вовремя, всё целое"), 0);
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  ASSERT_TRUE(e->matched);
  ASSERT_EQ(e->semantic.size(), 3u);
  const auto& late = e->semantic[0];
  EXPECT_EQ(late.path, "Доставка/Опоздание");
  EXPECT_FALSE(late.similar);
  EXPECT_EQ(late.counter_example, "курьер приехал вовремя");
  EXPECT_GT(late.counter_score, late.example_score);
  EXPECT_FALSE(e->semantic[2].similar);
  EXPECT_TRUE(e->semantic[2].counter_example.empty());  // Грубость has no counter-examples
  const std::string text = to_string(*e);
  EXPECT_NE(text.find("Доставка/Опоздание: not similar (example \""), std::string::npos) << text;
  EXPECT_NE(text.find("counter-example \"курьер приехал вовремя\""), std::string::npos) << text;
  EXPECT_NE(text.find("tag Доставка/Опоздание: not set (its examples decide: not similar)"), std::string::npos) << text;

  const auto late_post = scanner_->explain(make_post("late", "Курьер опоздал на два часа, заказ испорчен"), 0);
  ASSERT_TRUE(late_post.ok());
  EXPECT_TRUE(late_post->semantic[0].similar);
  EXPECT_EQ(late_post->sentiment, rules::sentiment::negative);  // the rule saw it, as in the scan
  EXPECT_NE(std::find(late_post->tags.begin(), late_post->tags.end(), "Доставка/Опоздание"), late_post->tags.end());
}

TEST(SemanticTopicFile, LoadsExamplesAndRefusesBrokenDefinitionsWithWhere) {
  const std::string path = ::testing::TempDir() + "/semantic_tags.yaml";
  auto write = [&](const std::string& body) {
    std::ofstream f(path);
    f << "tenant: shop\ntopics:\n  - id: t\n    query: 'заказ*'\n    tags:\n" << body;
  };
  write("      - path: Доставка/Опоздание\n"
        "        examples: [\"курьер опоздал на два часа\", \"заказ привезли с опозданием\"]\n"
        "        counter_examples: [\"курьер приехал вовремя\"]\n"
        "        min_similarity: 0.4\n"
        "      - {path: Доставка/Курьер, query: 'курьер*', examples: [\"курьер опоздал\"]}\n");
  auto file = load_tenant_file(path);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  const auto& tg = file->topics[0].tags;
  ASSERT_EQ(tg.size(), 2u);
  EXPECT_EQ(tg[0].examples.size(), 2u);
  EXPECT_EQ(tg[0].counter_examples, std::vector<std::string>{"курьер приехал вовремя"});
  EXPECT_FLOAT_EQ(tg[0].min_similarity, 0.4f);
  EXPECT_TRUE(tg[0].query.empty());
  EXPECT_EQ(tg[1].query, "курьер*");
  EXPECT_LT(tg[1].min_similarity, 0.0f);  // the default

  const std::pair<std::string, std::string> bad[] = {
      {"      - {path: X}\n", "tags[0]: a tag needs a 'query' (terms and/or filters) or 'examples'"},
      {"      - {path: X, examples: 'курьер'}\n", "tags[0]: 'examples' must be a list of phrases"},
      {"      - {path: X, examples: [[a, b]]}\n", "tags[0]: 'examples' must be a list of phrases"},
      {"      - {path: X, counter_examples: [\"курьер приехал\"]}\n", "'counter_examples' need 'examples'"},
      {"      - {path: X, examples: [\"курьер\"], min_similarity: 1.5}\n", "'min_similarity' must be in (0, 1], got 1.5"},
      {"      - {path: X, examples: [\"курьер\"], min_similarity: high}\n", "'min_similarity' must be a number"},
      {"      - {path: X, examples: [\"курьер\"], min_simlarity: 0.3}\n", "min_simlarity"},
  };
  for (const auto& [body, needle] : bad) {
    write(body);
    auto f = load_tenant_file(path);
    ASSERT_FALSE(f.ok()) << body;
    EXPECT_NE(f.error().message().find(needle), std::string::npos) << f.error().message();
  }
  std::remove(path.c_str());
}

TEST(SemanticValidate, AsTagAWholeDefinitionIsChecked) {
  auto ok = validate_expression(
      R"({path: "Доставка/Опоздание", examples: ["курьер опоздал"], counter_examples: ["курьер приехал вовремя"]})",
      expression_kind::tag);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.canonical, "Доставка/Опоздание: 1 examples, 1 counter-examples");
  auto both = validate_expression(R"({path: X, query: 'курьер* AND type:review', examples: ["курьер опоздал"]})",
                                  expression_kind::tag);
  EXPECT_TRUE(both.ok);
  EXPECT_NE(both.canonical.find("AND similar to 1 examples"), std::string::npos) << both.canonical;
  const std::pair<const char*, const char*> bad[] = {
      {R"({path: X, examples: ["🔥"]})", "example 1 (\"🔥\") has no words"},
      {R"({path: X, examples: ["a b"], min_similarity: 2})", "'min_similarity' must be in (0, 1]"},
      {R"({path: X, query: 'курьер* AND (', examples: ["курьер"]})", ""},
      {R"({path: X, exmaples: ["a"]})", "exmaples"},
      {R"({path: X, examples: ["a"])", "tag definition"},
  };
  for (const auto& [text, needle] : bad) {
    auto v = validate_expression(text, expression_kind::tag);
    EXPECT_FALSE(v.ok) << text;
    ASSERT_FALSE(v.diagnostics.empty()) << text;
    EXPECT_NE(v.diagnostics[0].message.find(needle), std::string::npos) << v.diagnostics[0].message;
  }
}

TEST(SemanticCompile, AnExampleWithoutWordsIsACompileErrorNamingTopicTagAndExample) {
  topic_spec t = shop();
  t.tags[2].examples.push_back("🔥🔥🔥");
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{t, topic_spec{"shop", "ok", "", "курьер*", {}, {}}}, {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].topic, "shop");
  EXPECT_NE(report.errors[0].diagnostic.message.find("tag 'Поддержка/Грубость': example 3 (\"🔥🔥🔥\") has no words"),
            std::string::npos)
      << report.errors[0].diagnostic.message;
  ASSERT_EQ((*snap)->topics.size(), 1u);  // the broken topic is left out, the other kept
  EXPECT_FALSE((*snap)->semantic_tags);   // and its semantic tags with it
}

}  // namespace
}  // namespace sito
