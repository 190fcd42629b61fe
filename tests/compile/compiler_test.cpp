#include "sito/compile/compiler.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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
  EXPECT_FALSE((*snap)->meta_index.empty());
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
  // Each topic is triggered by its brand (rarer than the dictionary words).
  EXPECT_EQ((*snap)->trigger_topics.size(), 5000u);
}

}  // namespace
}  // namespace sito
