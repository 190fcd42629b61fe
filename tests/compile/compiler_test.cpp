#include "sito/compile/compiler.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sito/text/fold.hpp"

namespace sito {
namespace {

/// Atom counts below are of topic terms alone: leave the sentiment lexicon out.
compile_options no_lexicon() {
  compile_options o;
  o.sentiment_model = false;
  return o;
}


topic_spec topic(std::string id, std::string query, std::vector<std::string> channels = {}) {
  return {"acme", std::move(id), "", std::move(query), std::move(channels), {}};
}

TEST(Compiler, BadTopicIsReportedWithPositionAndOthersCompile) {
  std::vector<topic_spec> topics = {topic("good", "доставка цветов"), topic("bad", "flowwow NEAR курьер"),
                                    topic("also-good", "#flowwow")};
  compile_report report;
  auto snap = compile_topics(topics, {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].tenant, "acme");
  EXPECT_EQ(report.errors[0].topic, "bad");
  EXPECT_EQ(report.errors[0].diagnostic.offset, 8u);  // at "NEAR"
  EXPECT_NE(report.errors[0].diagnostic.message.find("NEAR"), std::string::npos);
  ASSERT_EQ((*snap)->topics.size(), 2u);
  EXPECT_EQ((*snap)->topics[0].id, "good");
  EXPECT_EQ((*snap)->topics[1].id, "also-good");
}

TEST(Compiler, TopicNeedsQueryOrChannels) {
  std::vector<topic_spec> topics = {topic("empty", "   ")};
  compile_report report;
  auto snap = compile_topics(topics, {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("query or at least one channel"), std::string::npos);
  EXPECT_TRUE((*snap)->topics.empty());
}

TEST(Compiler, PurelyNegativeQueryNeedsChannels) {
  compile_report report;
  std::vector<topic_spec> topics = {topic("neg", "-вакансия"), topic("neg-ch", "-вакансия", {"otzovik:flowwow"})};
  auto snap = compile_topics(topics, {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].topic, "neg");
  ASSERT_EQ((*snap)->topics.size(), 1u);
  EXPECT_TRUE((*snap)->topics[0].channel_and_query);
  EXPECT_TRUE((*snap)->always_topics.empty()) << "a channel bounds the topic";
}

TEST(Compiler, SharedTermsAreInternedOnce) {
  std::vector<topic_spec> topics = {topic("a", "доставка AND flowwow"), topic("b", "доставка OR курьер"),
                                    topic("c", "!доставка")};
  auto snap = compile_topics(topics, no_lexicon());
  ASSERT_TRUE(snap.ok());
  size_t word_dostavka = 0, exact_dostavka = 0;
  for (const auto& a : (*snap)->atoms) {
    if (a.kind == atom_kind::word && a.text == (*snap)->atoms[0].text) ++word_dostavka;
    if (a.kind == atom_kind::exact) ++exact_dostavka;
  }
  EXPECT_EQ(word_dostavka, 1u);
  EXPECT_EQ(exact_dostavka, 1u);
  EXPECT_EQ((*snap)->atoms.size(), 4u);  // доставка, flowwow, курьер, !доставка
}

TEST(Compiler, FilterOnlyTopicsAreTriggeredByMetadataNotEvaluatedForEveryPost) {
  std::vector<topic_spec> topics = {topic("vk", "source:vk type:review"), topic("big", "followers:>=1000")};
  auto snap = compile_topics(topics);
  ASSERT_TRUE(snap.ok());
  // A range has no key to look up: that topic alone is evaluated for every post.
  ASSERT_EQ((*snap)->always_topics.size(), 1u);
  EXPECT_EQ((*snap)->topics[(*snap)->always_topics[0]].id, "big");
  EXPECT_NE((*snap)->meta_trigger_fields, 0u);
}

TEST(Compiler, HyperscanDatabasesOnlyForWhatNeedsAutomata) {
  auto words_only = compile_topics(std::vector<topic_spec>{topic("w", "доставка \"доставка цветов\" #flowwow {Apple}")});
  ASSERT_TRUE(words_only.ok());
  EXPECT_EQ((*words_only)->token_db, nullptr);
  EXPECT_EQ((*words_only)->text_db, nullptr);

  compile_report report;
  auto automata = compile_topics(std::vector<topic_spec>{topic("x", "флор* OR colo?r OR contains:\"wow\"")}, {}, &report);
  ASSERT_TRUE(automata.ok());
  EXPECT_NE((*automata)->token_db, nullptr);
  EXPECT_NE((*automata)->text_db, nullptr);
  EXPECT_EQ(report.wildcard_patterns, 2u);
  EXPECT_EQ(report.contains_patterns, 1u);
}

TEST(Compiler, TermOfPunctuationOnlyIsAnErrorWithHint) {
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{topic("p", "flowwow OR ...")}, {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].diagnostic.message.find("letter"), std::string::npos);
  EXPECT_FALSE(report.errors[0].diagnostic.hint.empty());
}

TEST(Compiler, ABadTagConditionRejectsItsTopicWithTheTagNamed) {
  topic_spec bad = topic("t", "flowwow");
  bad.tags = {{"Ok", "курьер"}, {"Broken", "доставка NEAR курьер"}};
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{bad, topic("fine", "цветы")}, {}, &report);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].topic, "t");
  EXPECT_NE(report.errors[0].diagnostic.message.find("tag 'Broken'"), std::string::npos);
  EXPECT_EQ(report.errors[0].diagnostic.offset, 17u);  // "доставка " is 17 bytes
  ASSERT_EQ((*snap)->topics.size(), 1u);
  EXPECT_EQ((*snap)->topics[0].id, "fine");
}

TEST(Compiler, ManyTopicsCompile) {
  std::vector<topic_spec> topics;
  for (int i = 0; i < 5000; ++i)
    topics.push_back(topic("t" + std::to_string(i), "brand" + std::to_string(i) + " NEAR/3 (доставка OR курьер) -вакансия"));
  compile_report report;
  auto snap = compile_topics(topics, no_lexicon(), &report);
  ASSERT_TRUE(snap.ok());
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(report.topics_compiled, 5000u);
  EXPECT_EQ((*snap)->atoms.size(), 5000u + 3u);
  // Each topic is triggered by its brand (rarer than the dictionary words);
  // the NEAR is one clause, so nothing is left to check.
  EXPECT_EQ((*snap)->trigger_topics.size(), 5000u);
  EXPECT_TRUE((*snap)->check_triggers.empty());
  EXPECT_EQ((*snap)->topic_check_begin.size(), 5000u + 1u);
}

TEST(Compiler, IndexesATopicUnderItsRarestClauseAndChecksTheOther) {
  // flowwow is a word the dictionary does not know (rare); lang:ru and
  // доставка are common: only flowwow indexes the topics.
  std::vector<topic_spec> topics = {topic("meta", "flowwow AND lang:ru"), topic("word", "flowwow AND доставка"),
                                    topic("single", "lang:ru")};
  auto snap = compile_topics(topics, no_lexicon());
  ASSERT_TRUE(snap.ok());
  const ruleset_snapshot& s = **snap;
  auto atom_of = [&](std::string_view folded) {
    for (uint32_t a = 0; a < s.atoms.size(); ++a)
      if (s.atoms[a].text == folded) return a;
    return UINT32_MAX;
  };
  const uint32_t brand = atom_of("flowwow");
  const uint32_t word = atom_of(text::fold("доставка"));
  ASSERT_NE(brand, UINT32_MAX);
  ASSERT_NE(word, UINT32_MAX);
  auto indexed = [&](uint32_t a) {
    return std::vector<uint32_t>(s.trigger_topics.begin() + s.atom_trigger_begin[a],
                                 s.trigger_topics.begin() + s.atom_trigger_begin[a + 1]);
  };
  EXPECT_EQ(indexed(brand), (std::vector<uint32_t>{0, 1}));
  EXPECT_TRUE(indexed(word).empty()) << "the common word is checked, not indexed";
  auto lang = s.meta_index_of(query::filter_field::lang).find("ru");
  ASSERT_NE(lang, s.meta_index_of(query::filter_field::lang).end());
  ASSERT_EQ(lang->second.topics.count, 1u) << "only the topic with no other clause is indexed by lang:ru";
  EXPECT_EQ(s.postings[lang->second.topics.begin], 2u);
  auto checks = [&](uint32_t t) {
    return std::vector<uint32_t>(s.check_triggers.begin() + s.topic_check_begin[t],
                                 s.check_triggers.begin() + s.topic_check_begin[t + 1]);
  };
  EXPECT_EQ(checks(0), (std::vector<uint32_t>{ruleset_snapshot::check_meta_bit | lang->second.id}));
  EXPECT_EQ(checks(1), (std::vector<uint32_t>{word}));
  EXPECT_TRUE(checks(2).empty());
}

}  // namespace
}  // namespace sito
