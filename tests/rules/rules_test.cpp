// Auto-tags and rules on mentions: the documented order (sito/model/topic.hpp),
// overrides, drop, own accounts, WOM, priority, and the errors analysts see.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "sito/compile/compiler.hpp"
#include "sito/rules/mention_flags.hpp"
#include "sito/rules/priority.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace sito {
namespace {

struct mention {
  std::vector<std::string> tags;
  std::string sentiment, source;
  float priority = 0;
  bool processed = false, wom = false, own = false, present = false;
};

class Rules : public ::testing::Test {
 protected:
  void compile(topic_spec t) {
    compile_report report;
    auto snap = compile_topics(std::vector<topic_spec>{std::move(t)}, {}, &report);
    ASSERT_TRUE(snap.ok());
    ASSERT_TRUE(report.errors.empty()) << report.errors[0].diagnostic.message;
    scanner_ = std::make_unique<batch_scanner>(*snap);
  }
  mention scan(const post& p) {
    scan_output out;
    scanner_->scan_serial(std::span<const post>(&p, 1), out);
    dropped_ = out.dropped;
    mention m;
    if (out.matches.empty()) return m;
    const auto& x = out.matches[0];
    const auto& s = *scanner_->snapshot();
    m.present = true;
    for (uint32_t t : out.tags_of(x)) m.tags.push_back(std::string(s.label(t)));
    m.sentiment = rules::to_string(x.sentiment);
    m.source = x.sentiment_rule == scan_output::no_label ? "model" : std::string(s.label(x.sentiment_rule));
    m.priority = x.priority;
    m.processed = x.processed;
    m.wom = x.wom;
    m.own = x.own;
    return m;
  }
  static post text_post(std::string text) {
    post p;
    p.id = "p";
    p.text = std::move(text);
    p.source_type = "social";
    return p;
  }
  static topic_spec brand() { return {"acme", "brand", "", "flowwow", {}, {}}; }
  std::unique_ptr<batch_scanner> scanner_;
  uint64_t dropped_ = 0;
};

TEST_F(Rules, LaterRulesSeeTagsAddedByEarlierOnesButNotTheReverse) {
  topic_spec t = brand();
  t.tags = {{"Субъект/Курьер", "курьер*"}};
  t.rules = {
      {"before", "tag:\"Риск\"", {{"Видел/Риск"}}},  // runs before Риск is added: does not see it
      {"risk", "мошенник*", {{"Риск/Мошенничество"}}},
      {"after", "tag:\"риск\"", {{"Видел/Риск"}}},     // case-insensitive, a path covers its subtree
      {"courier", "tag:\"Субъект/Курьер\"", {{"Видел/Курьер"}}},
  };
  compile(t);
  mention m = scan(text_post("Курьер flowwow оказался мошенником"));
  ASSERT_TRUE(m.present);
  EXPECT_EQ(m.tags, (std::vector<std::string>{"Субъект/Курьер", "Риск/Мошенничество", "Видел/Риск", "Видел/Курьер"}));
}

TEST_F(Rules, SentimentOverrideNamesTheRuleAndTheLastSetterWins) {
  topic_spec t = brand();
  t.rules = {{"fraud", "мошенник*", {{}, "negative"}},
             {"seen-negative", "sentiment:negative", {{"Негатив"}}},
             {"praise", "спасибо", {{}, "positive"}}};
  compile(t);
  mention model = scan(text_post("flowwow, спасибо за букет!"));
  EXPECT_EQ(model.sentiment, "positive");
  EXPECT_EQ(model.source, "rule:praise");
  mention fraud = scan(text_post("flowwow мошенники"));
  EXPECT_EQ(fraud.sentiment, "negative");
  EXPECT_EQ(fraud.source, "rule:fraud");
  EXPECT_EQ(fraud.tags, std::vector<std::string>{"Негатив"});
  mention both = scan(text_post("flowwow мошенники, спасибо что предупредили"));
  EXPECT_EQ(both.sentiment, "positive");  // the later rule wins
  EXPECT_EQ(both.source, "rule:praise");
  mention plain = scan(text_post("flowwow ужасная доставка"));
  EXPECT_EQ(plain.sentiment, "negative");
  EXPECT_EQ(plain.source, "model");
}

TEST_F(Rules, ProcessedIsVisibleToLaterRulesAndDropStopsTheList) {
  topic_spec t = brand();
  t.rules = {{"spam-seen", "промокод*", {{}, "", std::nullopt, /*processed=*/true}},
             {"after-processed", "is:processed", {{"Обработано"}}},
             {"drop-ads", "#реклама", {{}, "", std::nullopt, false, /*drop=*/true}},
             {"never-after-drop", "", {{"Не должно быть"}}}};
  compile(t);
  mention m = scan(text_post("flowwow промокод в профиле"));
  EXPECT_TRUE(m.processed);
  EXPECT_EQ(m.tags, (std::vector<std::string>{"Обработано", "Не должно быть"}));
  mention ad = scan(text_post("flowwow #реклама"));
  EXPECT_FALSE(ad.present);
  EXPECT_EQ(dropped_, 1u);
}

TEST_F(Rules, DroppedMentionsAreCountedWhenABatchIsScannedInParallelChunks) {
  topic_spec t = brand();
  t.rules = {{"drop-ads", "#реклама", {{}, "", std::nullopt, false, /*drop=*/true}}};
  compile(t);
  // 300 posts: five chunks of 64 on TBB workers; every third is an ad.
  std::vector<post> posts;
  for (int i = 0; i < 300; ++i) {
    post p = text_post(i % 3 == 0 ? "flowwow #реклама" : "flowwow");
    p.id = std::to_string(i);
    posts.push_back(std::move(p));
  }
  scan_output parallel, serial;
  scanner_->scan(posts, parallel);
  scanner_->scan_serial(posts, serial);
  EXPECT_EQ(parallel.dropped, 100u);
  EXPECT_EQ(serial.dropped, 100u);
  EXPECT_EQ(parallel.matches.size(), 200u);
}

TEST_F(Rules, IsDuplicateIsAStreamFactTagsAndRulesSeeOnceItIsApplied) {
  topic_spec t = brand();
  t.tags = {{"Дубль", "is:duplicate"}};
  t.rules = {{"drop-reposted-ads", "is:duplicate AND #реклама", {{}, "", std::nullopt, false, /*drop=*/true}},
             {"first-posts", "NOT is:duplicate", {{"Первый"}}}};
  compile(t);
  ASSERT_TRUE(scanner_->snapshot()->topics[0].reads_stream_facts);
  // 200 posts: four chunks on TBB workers; two posts in three are
  // near-duplicates (the facts a detector would give).
  std::vector<post> posts;
  for (int i = 0; i < 200; ++i) {
    post p = text_post(i % 5 == 2 ? "flowwow #реклама" : i % 7 == 3 ? "другая тема" : "flowwow");
    p.id = std::to_string(i);
    posts.push_back(std::move(p));
  }
  std::vector<stream_facts> facts(posts.size());
  for (size_t i = 0; i < posts.size(); ++i) facts[i].duplicate = i % 3 != 0;
  scan_output first, applied, direct;
  scanner_->scan(posts, first);
  EXPECT_EQ(first.matched_posts.size(), first.fact_readers.size()) << "every match reads the fact here";
  for (const auto& m : first.matches)
    EXPECT_EQ(scanner_->snapshot()->label(first.tags_of(m)[0]), "Первый") << "facts unknown: false";
  scanner_->scan(posts, applied);
  scanner_->apply_facts(posts, facts, applied);
  scanner_->scan(posts, direct, facts);
  auto rows = [&](const scan_output& o) {
    std::vector<std::string> r;
    for (const auto& m : o.matches) {
      std::string row = posts[m.post].id + ":";
      for (uint32_t tag : o.tags_of(m)) row += std::string(scanner_->snapshot()->label(tag)) + ",";
      r.push_back(row);
    }
    return r;
  };
  EXPECT_EQ(rows(applied), rows(direct)) << "apply_facts equals a scan with the facts known";
  EXPECT_EQ(applied.dropped, direct.dropped);
  size_t dropped_ads = 0, tagged = 0;
  for (size_t i = 0; i < posts.size(); ++i) dropped_ads += i % 5 == 2 && i % 3 != 0;
  EXPECT_EQ(direct.dropped, dropped_ads);
  for (const auto& m : direct.matches) {
    const auto tags = direct.tags_of(m);
    const bool dup = facts[m.post].duplicate;
    ASSERT_EQ(tags.size(), 1u);
    EXPECT_EQ(scanner_->snapshot()->label(tags[0]), dup ? "Дубль" : "Первый") << posts[m.post].id;
    tagged += dup;
  }
  EXPECT_GT(tagged, 0u);
  // A ruleset that never tests the fact: apply_facts changes nothing.
  compile(brand());
  scan_output plain;
  scanner_->scan(posts, plain);
  EXPECT_TRUE(plain.fact_readers.empty());
  const size_t before = plain.matches.size();
  scanner_->apply_facts(posts, facts, plain);
  EXPECT_EQ(plain.matches.size(), before);
}

TEST_F(Rules, PriorityIsTheFormulaUnlessARuleSetsIt) {
  topic_spec t = brand();
  t.rules = {{"vip", "followers:>=100000", {{}, "", 90.0}}, {"vip-scam", "мошенник*", {{}, "", 99.0}}};
  compile(t);
  post p = text_post("flowwow ужасная доставка");
  p.author.followers = 1000;
  p.source_type = "review";
  mention m = scan(p);
  rules::priority_inputs in{rules::sentiment::negative, 1000, 0, "review", false, true};
  EXPECT_FLOAT_EQ(m.priority, rules::priority_score(in));
  p.author.followers = 200000;
  p.text = "flowwow мошенники";
  EXPECT_FLOAT_EQ(scan(p).priority, 99.f);  // both fire: the last wins
  p.text = "flowwow";
  EXPECT_FLOAT_EQ(scan(p).priority, 90.f);
}

TEST_F(Rules, OwnAccountsAnswerRulesAndWom) {
  topic_spec t = brand();
  t.own_accounts = {"@Flowwow_RU", "support-42"};
  t.tags = {{"Источник/Наши ответы", "is:own"}, {"WOM", "is:wom"}};
  t.rules = {{"our-answers", "is:own", {{}, "", std::nullopt, /*processed=*/true}}};
  compile(t);
  post ours = text_post("flowwow: мы уже разбираемся");
  ours.author.handle = "flowwow_ru";
  mention m = scan(ours);
  EXPECT_TRUE(m.own);
  EXPECT_FALSE(m.wom);
  EXPECT_TRUE(m.processed);
  EXPECT_EQ(m.tags, std::vector<std::string>{"Источник/Наши ответы"});
  post theirs = text_post("flowwow опять опоздал");
  theirs.author.id = "u1";
  m = scan(theirs);
  EXPECT_FALSE(m.own);
  EXPECT_TRUE(m.wom);
  EXPECT_EQ(m.tags, std::vector<std::string>{"WOM"});
  post media = theirs;
  media.source_type = "news";
  EXPECT_FALSE(scan(media).wom);
  post ad = theirs;
  ad.text = "flowwow скидки erid: 2VtzqxKx";
  EXPECT_FALSE(scan(ad).wom);
}

TEST_F(Rules, AutoTagsMayTestSentimentAndFlags) {
  topic_spec t = brand();
  t.tags = {{"Негатив", "sentiment:negative"}, {"Критик", "sentiment:negative AND is:wom"}};
  compile(t);
  EXPECT_EQ(scan(text_post("flowwow кошмар")).tags, (std::vector<std::string>{"Негатив", "Критик"}));
  EXPECT_TRUE(scan(text_post("flowwow отлично")).tags.empty());
}

TEST_F(Rules, ExplainShowsFlagsSentimentTagsAndWhichRulesFiredAndWhy) {
  topic_spec t = brand();
  t.own_accounts = {"@flowwow_ru"};
  t.tags = {{"Тачпоинт/Доставка", "доставк*"}, {"Субъект/Курьер", "курьер*"}};
  t.rules = {{"ours", "is:own", {{}, "", std::nullopt, true}},
             {"fraud", "мошенник*", {{"Риск"}, "negative", 95.0}},
             {"ads", "#реклама", {{}, "", std::nullopt, false, true}}};
  compile(t);
  post p = text_post("flowwow: доставка от мошенников, спасибо что предупредили");
  auto ex = scanner_->explain(p, 0);
  ASSERT_TRUE(ex.ok()) << ex.error().to_string();
  EXPECT_TRUE(ex->matched);
  EXPECT_FALSE(ex->dropped);
  EXPECT_EQ(ex->sentiment, rules::sentiment::negative);
  EXPECT_EQ(ex->sentiment_source, "rule:fraud");
  EXPECT_EQ(ex->tags, (std::vector<std::string>{"Тачпоинт/Доставка", "Риск"}));
  const std::string e = to_string(*ex);
  auto has = [&](const std::string& what) { return e.find(what) != std::string::npos; };
  EXPECT_TRUE(has("result: MATCH")) << e;
  EXPECT_TRUE(has("own account no, WOM yes")) << e;
  EXPECT_TRUE(has("sentiment (model ")) << e;
  EXPECT_TRUE(has("tag Тачпоинт/Доставка: SET")) << e;
  EXPECT_TRUE(has("tag Субъект/Курьер: not set")) << e;
  EXPECT_TRUE(has("rule:ours: did not fire")) << e;
  EXPECT_TRUE(has("rule:fraud: FIRED")) << e;
  EXPECT_TRUE(has("adds tag Риск")) << e;
  EXPECT_TRUE(has("sets sentiment negative")) << e;
  EXPECT_TRUE(has("rule:ads: did not fire")) << e;
  EXPECT_TRUE(has("mention: sentiment negative (rule:fraud), priority 95 (rule)")) << e;
  EXPECT_TRUE(has("tags: Тачпоинт/Доставка Риск")) << e;
  p.text = "flowwow #реклама";
  auto dropped = scanner_->explain(p, 0);
  ASSERT_TRUE(dropped.ok());
  EXPECT_TRUE(dropped->matched);
  EXPECT_TRUE(dropped->dropped);
  const std::string d = to_string(*dropped);
  EXPECT_NE(d.find("drops the mention"), std::string::npos) << d;
  EXPECT_NE(d.find("mention: DROPPED by a rule"), std::string::npos) << d;
}

TEST(RuleErrors, MentionFiltersAreRejectedInTopicQueriesWithThePosition) {
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{{"acme", "q", "", "flowwow AND sentiment:negative", {}, {}}},
                             {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].diagnostic.offset, 12u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("describes a mention"), std::string::npos);
}

TEST(RuleErrors, TagFilterOnlyInRulesAndBadActionsNamed) {
  topic_spec tagged{"acme", "t", "", "flowwow", {}, {}};
  tagged.tags = {{"A", "tag:\"B\""}};
  topic_spec bad_when{"acme", "w", "", "flowwow", {}, {}};
  bad_when.rules = {{"fraud", "мошенник NEAR", {{"X"}}}};
  topic_spec bad_mood{"acme", "m", "", "flowwow", {}, {}};
  bad_mood.rules = {{"angry", "", {{}, "angry"}}};
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{tagged, bad_when, bad_mood, {"acme", "ok", "", "x", {}, {}}}, {},
                             &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 3u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("tag 'A': tag: can be tested only in rules"), std::string::npos)
      << report.errors[0].diagnostic.message;
  EXPECT_NE(report.errors[1].diagnostic.message.find("rule 'fraud':"), std::string::npos);
  EXPECT_NE(report.errors[2].diagnostic.message.find("unknown sentiment 'angry'"), std::string::npos);
  EXPECT_EQ((*snap)->topics.size(), 1u);
  EXPECT_EQ((*snap)->topics[0].id, "ok");
}

TEST(RuleErrors, IsDuplicateOnlyInTagsAndRulesAndUnknownIsValuesNamed) {
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{{"acme", "q", "", "flowwow AND NOT is:duplicate", {}, {}}}, {},
                             &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].diagnostic.offset, 16u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("describes a mention"), std::string::npos)
      << report.errors[0].diagnostic.message;
  topic_spec typo{"acme", "t", "", "flowwow", {}, {}};
  typo.rules = {{"spam", "is:dupe", {{}, "", std::nullopt, false, true}}};
  report = {};
  snap = compile_topics(std::vector<topic_spec>{typo}, {}, &report);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("unknown value 'dupe' for is:"), std::string::npos)
      << report.errors[0].diagnostic.message;
  EXPECT_NE(report.errors[0].diagnostic.hint.find("is:duplicate"), std::string::npos);
}

TEST(RuleErrors, UnknownSentimentValueIsAParseError) {
  compile_report report;
  topic_spec t{"acme", "t", "", "flowwow", {}, {}};
  t.tags = {{"A", "sentiment:angry"}};
  auto snap = compile_topics(std::vector<topic_spec>{t}, {}, &report);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("unknown sentiment 'angry'"), std::string::npos);
}

TEST(Priority, FormulaParts) {
  using rules::sentiment;
  EXPECT_FLOAT_EQ(rules::priority_score({sentiment::positive, std::nullopt, 0, "", false, false}), 5.f);
  EXPECT_FLOAT_EQ(rules::priority_score({sentiment::neutral, std::nullopt, 0, "social", false, false}), 20.f);
  // negative 40 + audience 5*log10(1+999)=15 + review 15 + verified 5 + wom 10
  EXPECT_NEAR(rules::priority_score({sentiment::negative, 999, 0, "Review", true, true}), 85.f, 1e-4);
  EXPECT_FLOAT_EQ(rules::priority_score({sentiment::negative, 1'000'000'000, 0, "app_store", true, true}), 100.f);
  // reach counts when larger than followers
  EXPECT_GT(rules::priority_score({sentiment::neutral, 10, 100000, "", false, false}),
            rules::priority_score({sentiment::neutral, 10, 0, "", false, false}));
}

TEST(MentionFlags, AccountKeysAndWom) {
  EXPECT_EQ(rules::account_key("@Flowwow_RU "), "flowwow_ru");
  EXPECT_EQ(rules::account_key("Фловвов"), "фловвов");
  std::vector<std::string> own = {"flowwow_ru"};
  EXPECT_TRUE(rules::is_own_account("", "@FLOWWOW_RU", own));
  EXPECT_FALSE(rules::is_own_account("flowwow", "", own));
  EXPECT_TRUE(rules::is_word_of_mouth(false, "social", false));
  EXPECT_FALSE(rules::is_word_of_mouth(false, "NEWS", false));
  EXPECT_FALSE(rules::is_word_of_mouth(true, "social", false));
  EXPECT_FALSE(rules::is_word_of_mouth(false, "social", true));
}

TEST(TenantFile, RulesAndLexiconLoadFromYaml) {
  const std::string path = ::testing::TempDir() + "/tenant_rules.yaml";
  {
    std::ofstream f(path);
    f << "tenant: acme\n"
         "sentiment_lexicon: |\n  neg треш 2\n"
         "topics:\n"
         "  - id: brand\n    query: flowwow\n    own_accounts: ['@flowwow_ru']\n"
         "    rules:\n"
         "      - {name: fraud, when: 'мошенник*', then: {add_tags: [Риск], sentiment: negative, priority: 95}}\n"
         "      - {when: 'is:own', then: {processed: true}}\n"
         "      - {name: ads, when: '#реклама', then: {drop: true}}\n";
  }
  auto file = load_tenant_file(path);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  EXPECT_EQ(file->tenant, "acme");
  EXPECT_EQ(file->sentiment_lexicon, "neg треш 2\n");
  ASSERT_EQ(file->topics.size(), 1u);
  const auto& rules = file->topics[0].rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].name, "fraud");
  EXPECT_EQ(rules[0].then.add_tags, std::vector<std::string>{"Риск"});
  EXPECT_EQ(rules[0].then.sentiment, "negative");
  EXPECT_DOUBLE_EQ(*rules[0].then.priority, 95);
  EXPECT_EQ(rules[1].name, "2");  // unnamed rules are numbered
  EXPECT_TRUE(rules[1].then.processed);
  EXPECT_TRUE(rules[2].then.drop);

  {
    std::ofstream f(path);
    f << "topics:\n  - id: b\n    query: x\n    rules:\n      - {when: 'y', then: {escalate: true}}\n";
  }
  auto bad = load_tenant_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("rules[0]: unknown action 'escalate'"), std::string::npos)
      << bad.error().message();
  std::remove(path.c_str());
}

TEST(TenantFile, ATopicNamesItsNpsTagPaths) {
  auto file = parse_tenant_file(
      "topics:\n  - id: survey\n    query: опрос\n"
      "    nps: {promoters: Опрос/Рекомендует, passives: Опрос/Нейтрально, detractors: Опрос/Против}\n",
      "t.yaml");
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  EXPECT_EQ(file->topics[0].nps.promoters, "Опрос/Рекомендует");
  EXPECT_EQ(file->topics[0].nps.passives, "Опрос/Нейтрально");
  EXPECT_EQ(file->topics[0].nps.detractors, "Опрос/Против");
  auto json = parse_tenant_file(R"({"topics": [{"id": "s", "query": "x", "nps": {"promoters": "A", "detractors": "B"}}]})",
                                "t.json");
  ASSERT_TRUE(json.ok()) << json.error().to_string();
  EXPECT_EQ(json->topics[0].nps.detractors, "B");
  EXPECT_TRUE(json->topics[0].nps.passives.empty());
  auto half = parse_tenant_file("topics:\n  - {id: s, query: x, nps: {promoters: A}}\n", "t.yaml");
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().message().find("topics[0]: nps: needs the tag paths of 'promoters' and 'detractors'"),
            std::string::npos)
      << half.error().message();
  EXPECT_FALSE(parse_tenant_file("topics:\n  - {id: s, query: x, nps: {promoter: A, detractors: B}}\n", "t.yaml").ok());
}

}  // namespace
}  // namespace sito
