#include "sito/scan/batch_scanner.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "sito/compile/compiler.hpp"

namespace sito {
namespace {

struct found {
  std::string topic;
  std::vector<std::string> highlighted;  // "field:[b,e):label:text"
};

class ScannerTest : public ::testing::Test {
 protected:
  void compile(std::vector<topic_spec> topics) {
    compile_report report;
    auto snap = compile_topics(topics, {}, &report);
    ASSERT_TRUE(snap.ok());
    ASSERT_TRUE(report.errors.empty()) << report.errors[0].topic << ": " << report.errors[0].diagnostic.message;
    snap_ = *snap;
    scanner_ = std::make_unique<batch_scanner>(snap_);
  }
  static topic_spec t(std::string id, std::string query, std::vector<std::string> channels = {}) {
    return {"acme", std::move(id), "", std::move(query), std::move(channels), {}};
  }
  static post text_post(std::string text, std::string id = "p") {
    post p;
    p.id = std::move(id);
    p.text = std::move(text);
    return p;
  }
  std::vector<found> match(const post& p) {
    scan_output out;
    scanner_->scan_serial(std::span<const post>(&p, 1), out);
    EXPECT_TRUE(out.rejected.empty()) << (out.rejected.empty() ? "" : out.rejected[0].reason.message());
    std::vector<found> res;
    for (const auto& m : out.matches) {
      found f{snap_->topics[m.topic].id, {}};
      for (const auto& h : out.highlights_of(m)) {
        const std::string& field = h.field == query::field::title ? p.title : h.field == query::field::text ? p.text : p.image_text;
        f.highlighted.push_back(std::string(query::to_string(h.field)) + ":[" + std::to_string(h.begin) + "," +
                                std::to_string(h.end) + "):" + std::string(snap_->label(h.label)) + ":" +
                                field.substr(h.begin, h.end - h.begin));
      }
      res.push_back(std::move(f));
    }
    return res;
  }
  std::vector<std::string> topics_of(const post& p) {
    std::vector<std::string> ids;
    for (auto& f : match(p)) ids.push_back(f.topic);
    return ids;
  }

  std::shared_ptr<const ruleset_snapshot> snap_;
  std::unique_ptr<batch_scanner> scanner_;
};

using ids = std::vector<std::string>;

TEST_F(ScannerTest, MorphologyMatchesFormsAndHighlightsOriginalBytes) {
  compile({t("d", "доставка")});
  auto r = match(text_post("Жду доставок уже неделю"));
  ASSERT_EQ(r.size(), 1u);
  // "Жду " is 7 bytes; "доставок" is 16 bytes of Cyrillic.
  EXPECT_EQ(r[0].highlighted, std::vector<std::string>{"text:[7,23):доставка:доставок"});
  EXPECT_TRUE(match(text_post("Доставщик пришёл")).empty());
}

TEST_F(ScannerTest, ExactFormDoesNotUseMorphology) {
  compile({t("x", "!доставка")});
  EXPECT_EQ(topics_of(text_post("ДОСТАВКА")), ids{"x"});
  EXPECT_TRUE(topics_of(text_post("доставки")).empty());
}

TEST_F(ScannerTest, UnknownBrandInBaseFormMatchesItsInflections) {
  compile({t("b", "фловвов")});
  EXPECT_EQ(topics_of(text_post("спасибо Фловвову")), ids{"b"});
  EXPECT_EQ(topics_of(text_post("у фловвова")), ids{"b"});
}

TEST_F(ScannerTest, YoIsFoldedToYe) {
  compile({t("e", "елка")});
  EXPECT_EQ(topics_of(text_post("Ёлка!")), ids{"e"});
}

TEST_F(ScannerTest, PhraseNeedsConsecutiveExactTokens) {
  compile({t("ph", "\"доставка цветов\"")});
  auto r = match(text_post("Быстрая доставка цветов"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].highlighted, std::vector<std::string>{"text:[15,44):\"доставка цветов\":доставка цветов"});
  EXPECT_TRUE(topics_of(text_post("доставка свежих цветов")).empty());
  EXPECT_TRUE(topics_of(text_post("доставки цветов")).empty());
}

TEST_F(ScannerTest, NearCountsTheGapBetweenSpans) {
  compile({t("n1", "курьер NEAR/1 опоздал"), t("n2", "курьер NEAR/2 опоздал"), t("o2", "опоздал ONEAR/2 курьер")});
  // курьер(0) сильно(1) опоздал(2): gap 2.
  EXPECT_EQ(topics_of(text_post("курьер сильно опоздал")), (ids{"n2"}));
  // опоздал(0) курьер(1): gap 1 and in order for ONEAR.
  EXPECT_EQ(topics_of(text_post("опоздал курьер")), (ids{"n1", "n2", "o2"}));
  EXPECT_TRUE(topics_of(text_post("курьер в\nтексте без нужного слова")).empty());
}

TEST_F(ScannerTest, HyphenatedTermMatchesAdjacentTokens) {
  compile({t("im", "интернет-магазин")});
  EXPECT_EQ(topics_of(text_post("лучший интернет-магазин")), ids{"im"});
  EXPECT_EQ(topics_of(text_post("лучший интернет магазинов")), ids{"im"});
  EXPECT_TRUE(topics_of(text_post("интернет и магазин")).empty());
}

TEST_F(ScannerTest, HashtagsAndMentions) {
  compile({t("tag", "#flowwow"), t("word", "flowwow"), t("mention", "@flowwow_ru")});
  auto r = match(text_post("Люблю #flowwow_ru и @flowwow_ru"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].topic, "word");
  EXPECT_EQ(r[1].topic, "mention");
  EXPECT_EQ(r[1].highlighted, std::vector<std::string>{"text:[26,37):@flowwow_ru:@flowwow_ru"});
  EXPECT_EQ(topics_of(text_post("#FlowWow")), (ids{"tag", "word"}));
}

TEST_F(ScannerTest, CaseSensitiveTermComparesOriginalCase) {
  compile({t("c", "{Apple}")});
  EXPECT_EQ(topics_of(text_post("I love Apple")), ids{"c"});
  EXPECT_TRUE(topics_of(text_post("an apple a day")).empty());
  EXPECT_TRUE(topics_of(text_post("APPLE")).empty());
}

TEST_F(ScannerTest, WildcardsMatchWholeTokens) {
  compile({t("w", "флор*"), t("q", "colo?r")});
  EXPECT_EQ(topics_of(text_post("флористика")), ids{"w"});
  EXPECT_EQ(topics_of(text_post("the colour red")), ids{"q"});
  EXPECT_TRUE(topics_of(text_post("color")).empty());
  EXPECT_TRUE(topics_of(text_post("aфлор")).empty());
}

TEST_F(ScannerTest, ContainsFindsRawSubstringsAndMapsThemBack) {
  compile({t("c", "contains:\"wow\"")});
  auto r = match(text_post("Ффф FLOWWOW!"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].highlighted, std::vector<std::string>{"text:[11,14):contains:\"wow\":WOW"});
}

TEST_F(ScannerTest, EmojiAreTokens) {
  compile({t("angry", "😡"), t("thumb", "👍")});
  EXPECT_EQ(topics_of(text_post("курьер опоздал😡")), ids{"angry"});
  // A skin tone is part of the cluster: 👍🏽 is not 👍.
  EXPECT_TRUE(topics_of(text_post("норм 👍🏽")).empty());
}

TEST_F(ScannerTest, FieldScopesRestrictWhereTermsMayHit) {
  compile({t("title", "title:(отзыв)"), t("any", "отзыв")});
  post p = text_post("тут нет");
  p.title = "Отзыв о магазине";
  EXPECT_EQ(topics_of(p), (ids{"title", "any"}));
  EXPECT_EQ(topics_of(text_post("мой отзыв")), ids{"any"});
}

TEST_F(ScannerTest, ChannelOnlyAndPurelyNegativeTopics) {
  compile({t("page", "", {"otzovik:flowwow"}), t("page-no-jobs", "-вакансия", {"otzovik:flowwow"})});
  post review = text_post("Хороший сервис");
  review.channel = "otzovik:flowwow";
  EXPECT_EQ(topics_of(review), (ids{"page", "page-no-jobs"}));
  review.text = "Открыта вакансия курьера";
  EXPECT_EQ(topics_of(review), ids{"page"});
  EXPECT_TRUE(topics_of(text_post("Хороший сервис")).empty());
}

TEST_F(ScannerTest, FilterOnlyTopics) {
  compile({t("vk-reviews", "source:vk"), t("big", "followers:[1000 TO 50000]"), t("reply", "is:reply")});
  post p = text_post("что угодно");
  p.source = "VK";
  p.author.followers = 5000;
  EXPECT_EQ(topics_of(p), (ids{"vk-reviews", "big"}));
  p.parent_id = "x";
  p.author.followers = 999;
  EXPECT_EQ(topics_of(p), (ids{"vk-reviews", "reply"}));
}

TEST_F(ScannerTest, InvalidPostsAreRejectedAndTheRestOfTheBatchIsScanned) {
  compile({t("d", "доставка")});
  std::vector<post> batch = {text_post("доставка", "ok1"), text_post(std::string("bad \xFF byte"), "bad"),
                             text_post("доставка", ""), text_post("доставка", "ok2")};
  batch_scanner small(snap_, [] { scan_options o; o.limits.max_field_bytes = 16; return o; }());
  batch.push_back(text_post("доставка и ещё много текста", "big"));
  scan_output out;
  small.scan_serial(batch, out);
  ASSERT_EQ(out.matches.size(), 2u);
  EXPECT_EQ(out.matches[0].post, 0u);
  EXPECT_EQ(out.matches[1].post, 3u);
  ASSERT_EQ(out.rejected.size(), 3u);
  EXPECT_EQ(out.rejected[0].post, 1u);
  EXPECT_EQ(out.rejected[0].reason.message(), "field 'text' has invalid UTF-8 at byte 4");
  EXPECT_EQ(out.rejected[1].reason.message(), "post has no id");
  EXPECT_EQ(out.rejected[2].reason.code(), status_code::out_of_range);
}

TEST_F(ScannerTest, ParallelScanEqualsSerialScan) {
  compile({t("d", "доставка"), t("w", "флор*"), t("c", "contains:\"ов\""), t("n", "курьер NEAR/3 цвет")});
  std::vector<post> posts;
  const char* texts[] = {"доставка цветов", "флорист и курьер с цветами", "ничего", "курьер привёз цветы, доставка ок"};
  for (int i = 0; i < 3000; ++i) posts.push_back(text_post(texts[i % 4], "p" + std::to_string(i)));
  scan_output serial, parallel;
  scanner_->scan_serial(posts, serial);
  scanner_->scan(posts, parallel);
  ASSERT_EQ(serial.matches.size(), parallel.matches.size());
  for (size_t i = 0; i < serial.matches.size(); ++i) {
    EXPECT_EQ(serial.matches[i].post, parallel.matches[i].post);
    EXPECT_EQ(serial.matches[i].topic, parallel.matches[i].topic);
    auto a = serial.highlights_of(serial.matches[i]);
    auto b = parallel.highlights_of(parallel.matches[i]);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  EXPECT_GT(serial.matches.size(), 3000u);
}

TEST_F(ScannerTest, OneScannerIsSafeToShareBetweenThreads) {
  compile({t("d", "доставка"), t("w", "флор*")});
  std::vector<post> posts;
  for (int i = 0; i < 500; ++i) posts.push_back(text_post(i % 2 ? "доставка" : "флорист", "p" + std::to_string(i)));
  std::vector<size_t> counts(4);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 20; ++rep) {
        scan_output out;
        scanner_->scan_serial(posts, out);
        counts[k] += out.matches.size();
      }
    });
  for (auto& th : threads) th.join();
  for (size_t c : counts) EXPECT_EQ(c, 500u * 20u);
}

TEST_F(ScannerTest, TagsAreSetByQueryFilterOrBothOnlyOnMatches) {
  topic_spec brand = t("brand", "flowwow OR фловвов");
  brand.tags = {{"Субъект/Курьер", "курьер*"},
                {"Источник/Отзывы", "type:review"},
                {"Тачпоинт/Доставка/Негатив", "доставка NEAR/3 (опоздал, долго) -спасибо"},
                {"Охват/Большой", "followers:>=10000"}};
  compile({brand});
  post p = text_post("Flowwow: курьеры опоздал с доставкой, доставка опоздал");
  p.source_type = "review";
  p.author.followers = 20000;
  scan_output out;
  scanner_->scan_serial(std::span<const post>(&p, 1), out);
  ASSERT_EQ(out.matches.size(), 1u);
  std::vector<std::string> tags;
  for (uint32_t tag : out.tags_of(out.matches[0])) tags.push_back(std::string(snap_->label(tag)));
  EXPECT_EQ(tags, (std::vector<std::string>{"Субъект/Курьер", "Источник/Отзывы", "Тачпоинт/Доставка/Негатив",
                                            "Охват/Большой"}));
  // A post that matches a tag condition but not the topic gets no mention at all.
  post other = text_post("курьер опоздал");
  other.source_type = "review";
  scanner_->scan_serial(std::span<const post>(&other, 1), out);
  EXPECT_TRUE(out.matches.empty());
  EXPECT_TRUE(out.tags.empty());
}

TEST_F(ScannerTest, ATopicIsEvaluatedOnlyWhenBothClausesFired) {
  compile({t("meta", "flowwow AND lang:ru"), t("word", "flowwow AND доставка"), t("other", "flowwow AND курьер")});
  auto evaluated = [&](post p) {
    scan_output out;
    scanner_->scan_serial(std::span<const post>(&p, 1), out);
    return out.topics_evaluated;
  };
  post p = text_post("flowwow: доставка");
  EXPECT_EQ(evaluated(p), 1u) << "word only: lang is missing, курьер is missing";
  p.lang = "ru";
  EXPECT_EQ(evaluated(p), 2u);
  EXPECT_EQ(topics_of(p), (ids{"meta", "word"}));
  EXPECT_EQ(evaluated(text_post("доставка курьер")), 0u) << "the rare clause did not fire";
}

// A post where nothing fires is done before its hits are grouped and before
// the metadata no index needs is built: each kind of trigger, alone on a
// post, must still fire.
TEST_F(ScannerTest, EachKindOfTriggerAloneOnAPostFires) {
  compile({t("tag", "#flowwow"), t("mention", "@flowwow_ru"), t("contains", "contains:wowsh"),
           t("site", "site:otzovik.com AND (доставка OR курьер)"), t("word", "курьер")});
  EXPECT_EQ(topics_of(text_post("Люблю #flowwow")), ids{"tag"});
  EXPECT_EQ(topics_of(text_post("спасибо @flowwow_ru")), ids{"mention"});
  EXPECT_EQ(topics_of(text_post("магазин flowwowshop")), ids{"contains"});
  post review = text_post("доставка вовремя");
  review.url = "https://www.OTZOVIK.com/review/1";
  EXPECT_EQ(topics_of(review), ids{"site"}) << "indexed by its site (rarer than two words), checked on the words";
  review.text = "курьер вовремя";
  EXPECT_EQ(topics_of(review), (ids{"site", "word"}));
  review.url = "https://example.com/";
  EXPECT_EQ(topics_of(review), ids{"word"}) << "the word fires; the site check fails on the metadata built after";
}

TEST_F(ScannerTest, TagsRulesAndSentimentSeeWordsThatOnlyOtherTopicsQuery) {
  // A post's hits are written and grouped only for its candidates' atoms
  // and the sentiment lexicon's (candidate_selector.cpp). Words that a
  // topic's tag and rule read, or the lexicon scores, and that only another
  // topic's query names, are atoms of topic queries: they must still count
  // for this topic's mention, exactly as when the other topic is absent.
  topic_spec courier = t("courier", "курьер");
  courier.tags = {{"Тачпоинт/Подъезд", "подъезд"}};
  courier.rules = {{"urgent", "звонок", {{}, "", 77.0}}};
  // Neither подъезд nor звонок is in the lexicon: the sentiment comes from
  // жалоба alone (no other entry of the lexicon shares its forms).
  const topic_spec other = t("other", "(подъезд OR звонок OR жалоба) AND вакансия");
  const post p = text_post("курьер долго искал подъезд, звонок молчал: жалоба");
  struct outcome {
    std::vector<std::string> tags;
    rules::sentiment sentiment;
    double priority;
  };
  auto mention_of_courier = [&] {
    scan_output out;
    scanner_->scan_serial(std::span<const post>(&p, 1), out);
    EXPECT_EQ(out.matches.size(), 1u);
    outcome o{{}, rules::sentiment::neutral, 0};
    for (const auto& m : out.matches) {
      EXPECT_EQ(snap_->topics[m.topic].id, "courier");
      for (uint32_t tag : out.tags_of(m)) o.tags.emplace_back(snap_->label(tag));
      o.sentiment = m.sentiment;
      o.priority = m.priority;
    }
    return o;
  };
  compile({courier});
  const outcome alone = mention_of_courier();
  compile({courier, other});
  const outcome beside = mention_of_courier();
  EXPECT_EQ(alone.tags, std::vector<std::string>{"Тачпоинт/Подъезд"});
  EXPECT_EQ(alone.sentiment, rules::sentiment::negative) << "жалоба is in the built-in lexicon";
  EXPECT_EQ(alone.priority, 77.0);
  EXPECT_EQ(beside.tags, alone.tags);
  EXPECT_EQ(beside.sentiment, alone.sentiment);
  EXPECT_EQ(beside.priority, alone.priority);
}

TEST_F(ScannerTest, ATinyTokenCacheThatResetsGivesTheSameMentions) {
  // Tags use words the topic query does not (second term pass); a cache of
  // 16 entries resets between chunks, never between a chunk's two passes.
  topic_spec topic = t("x", "курьер OR доставка OR цветы");
  topic.tags = {{"Тачпоинт/Опоздание", "опоздал OR задержка"}, {"Субъект/Клиент", "заказала OR жду"}};
  compile({topic});
  std::vector<post> posts;
  const std::vector<std::string> texts = {"курьер опоздал, жду заказ", "доставка цветов: задержка", "цветы заказала вчера",
                                          "курьер и доставка, жду и жду", "ничего общего"};
  for (int i = 0; i < 300; ++i) posts.push_back(text_post(texts[i % texts.size()] + " " + std::to_string(i), std::to_string(i)));
  scan_options tiny;
  tiny.token_cache_entries = 16;
  batch_scanner small(snap_, tiny);
  scan_output a, b;
  scanner_->scan(posts, a);
  small.scan(posts, b);
  ASSERT_EQ(a.matches.size(), 240u);
  ASSERT_EQ(a.matches.size(), b.matches.size());
  for (size_t k = 0; k < a.matches.size(); ++k) {
    ASSERT_EQ(a.matches[k].post, b.matches[k].post);
    const auto ta = a.tags_of(a.matches[k]), tb = b.tags_of(b.matches[k]);
    ASSERT_EQ(std::vector<uint32_t>(ta.begin(), ta.end()), std::vector<uint32_t>(tb.begin(), tb.end())) << k;
  }
  EXPECT_GT(a.tags.size(), 200u);
}

TEST_F(ScannerTest, ExplainShowsHitsAndTheTree) {
  compile({t("x", "курьер NEAR/2 опоздал -вакансия")});
  auto e = scanner_->explain(text_post("курьер опять опоздал"), 0);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->matched);
  ASSERT_EQ(e->hits.size(), 2u);
  EXPECT_EQ(e->hits[0].term, "курьер");
  EXPECT_EQ(e->hits[0].text, "курьер");
  EXPECT_EQ(e->hits[1].begin, std::string("курьер опять ").size());
  ASSERT_EQ(e->highlights.size(), 2u);
  bool saw_negated_word = false;
  for (const auto& n : e->evaluation) saw_negated_word |= n.what == "word 'вакансия'" && !n.truth;
  EXPECT_TRUE(saw_negated_word);
  const std::string text = to_string(*e);
  EXPECT_NE(text.find("result: MATCH"), std::string::npos) << text;
  EXPECT_NE(text.find("NEAR/2"), std::string::npos);
  EXPECT_NE(text.find("[false] word 'вакансия'"), std::string::npos) << text;
  auto no = scanner_->explain(text_post("курьер"), 0);
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(no->matched);
  EXPECT_NE(to_string(*no).find("result: no match"), std::string::npos);
  EXPECT_FALSE(scanner_->explain(text_post("x"), 7).ok());
}

}  // namespace
}  // namespace sito
