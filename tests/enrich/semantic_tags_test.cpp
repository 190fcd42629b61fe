// Semantic tags by example (sito/enrich/semantic_tags.hpp): the nearest
// example or counter-example decides, the threshold, ties, tags decided on
// their own, the wanted-subset path against the all-examples path, and
// definitions that must be refused. Cases written by hand.
#include <gtest/gtest.h>

#include "sito/enrich/semantic_tags.hpp"

namespace sito::enrich {
namespace {

const std::vector<semantic_tag_definition>& delivery_tags() {
  static const std::vector<semantic_tag_definition> defs = {
      {"Тачпоинт/Доставка/Опоздание",
       {"курьер опоздал на два часа", "заказ привезли с опозданием", "доставка задержалась"},
       {"курьер приехал вовремя", "заказ привезли раньше срока"},
       0.45f},
      {"Тачпоинт/Поддержка/Грубость", {"оператор нахамил", "грубый ответ поддержки"}, {}, 0.45f},
  };
  return defs;
}

/// A backend that is the CPU one under another name, so decide() takes the
/// path that scores every example in one call (as the CUDA backend does).
class renamed_cpu final : public embedding_backend {
 public:
  std::string_view name() const override { return "renamed"; }
  status embed(const prepared_batch& b, std::vector<float>& o) override { return cpu_->embed(b, o); }
  result<std::unique_ptr<example_matrix>> upload_examples(std::vector<float> v, size_t n, size_t d) override {
    return cpu_->upload_examples(std::move(v), n, d);
  }
  status score(const prepared_batch& b, const example_matrix& e, std::vector<float>& o) override {
    return cpu_->score(b, e, o);
  }
  status score_vectors(std::span<const float> s, std::span<const uint32_t> t, const example_matrix& e,
                       std::vector<float>& o) override {
    return cpu_->score_vectors(s, t, e, o);
  }
  status minhash(std::span<const uint64_t> b, std::span<const uint32_t> o,
                 std::span<dedup::minhash_signature> out) override {
    return cpu_->minhash(b, o, out);
  }

 private:
  std::unique_ptr<embedding_backend> cpu_ = make_cpu_embedding_backend();
};

struct post_case {
  const char* text;
  bool late;  ///< Опоздание
  bool rude;  ///< Грубость
};

const post_case cases[] = {
    {"Курьер опоздал на два часа, цветы завяли", true, false},
    {"Спасибо! Курьер приехал вовремя, всё отлично", false, false},   // the counter-example is nearer
    {"Заказ привезли с опозданием в три дня. Больше не закажу", true, false},
    {"Оператор поддержки нахамил мне по телефону", false, true},
    {"Отличное качество ткани, платье село идеально", false, false},
    {"Доставка задержалась на неделю, а оператор нахамил в чате", true, true},  // both, decided on their own
    {"🔥🔥🔥", false, false},                                         // no words: no segment, score 0
};

void check_cases(embedding_backend& backend) {
  auto set = semantic_tag_set::compile(delivery_tags(), backend);
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  text_preparer prep;
  prepared_batch posts;
  for (const auto& c : cases) ASSERT_TRUE(prep.add_post(c.text, posts).ok());
  std::vector<std::vector<semantic_decision>> d;
  ASSERT_TRUE(set->decide(backend, posts, {}, d).ok());
  ASSERT_EQ(d.size(), std::size(cases));
  for (size_t i = 0; i < std::size(cases); ++i) {
    ASSERT_EQ(d[i].size(), 2u);
    EXPECT_EQ(d[i][0].tagged, cases[i].late) << cases[i].text << " example " << d[i][0].example_score << " counter "
                                             << d[i][0].counter_score;
    EXPECT_EQ(d[i][1].tagged, cases[i].rude) << cases[i].text << " example " << d[i][1].example_score;
    EXPECT_EQ(d[i][1].counter_example, -1);  // the second tag has no counter-examples
  }
  // The first post's nearest example is the first one, and says so.
  EXPECT_EQ(d[0][0].example, 0);
  EXPECT_EQ(d[1][0].counter_example, 0);
  EXPECT_GT(d[1][0].counter_score, d[1][0].example_score);
  EXPECT_EQ(d[6][0].example_score, 0.0f);
}

TEST(SemanticTags, NearestExampleDecidesOnTheCpu) {
  auto cpu = make_cpu_embedding_backend();
  check_cases(*cpu);
}

TEST(SemanticTags, TheAllExamplesPathDecidesTheSame) {
  renamed_cpu backend;
  check_cases(backend);
}

TEST(SemanticTags, WantedSubsetsGiveTheSameDecisionsInWantedOrder) {
  auto cpu = make_cpu_embedding_backend();
  auto set = semantic_tag_set::compile(delivery_tags(), *cpu);
  ASSERT_TRUE(set.ok());
  text_preparer prep;
  prepared_batch posts;
  for (const auto& c : cases) ASSERT_TRUE(prep.add_post(c.text, posts).ok());
  std::vector<std::vector<semantic_decision>> all, some;
  ASSERT_TRUE(set->decide(*cpu, posts, {}, all).ok());
  std::vector<std::vector<uint32_t>> wanted(std::size(cases));
  wanted[0] = {1, 0};
  wanted[5] = {1};
  ASSERT_TRUE(set->decide(*cpu, posts, wanted, some).ok());
  ASSERT_EQ(some[0].size(), 2u);
  EXPECT_EQ(some[0][0].tagged, all[0][1].tagged);
  EXPECT_EQ(some[0][1].example_score, all[0][0].example_score);
  EXPECT_TRUE(some[1].empty());
  ASSERT_EQ(some[5].size(), 1u);
  EXPECT_TRUE(some[5][0].tagged);
  std::vector<std::vector<uint32_t>> bad(std::size(cases));
  bad[0] = {7};
  EXPECT_FALSE(set->decide(*cpu, posts, bad, some).ok());
  EXPECT_FALSE(set->decide(*cpu, posts, std::span(wanted).first(2), some).ok());
}

TEST(SemanticTags, ThresholdAndTies) {
  auto cpu = make_cpu_embedding_backend();
  std::vector<semantic_tag_definition> defs = {{"A", {"курьер опоздал"}, {"курьер опоздал"}, 0.1f},
                                               {"B", {"курьер опоздал"}, {}, 0.99f},
                                               {"C", {"курьер опоздал"}, {}, 1.0f}};
  auto set = semantic_tag_set::compile(defs, *cpu);
  ASSERT_TRUE(set.ok());
  text_preparer prep;
  prepared_batch posts;
  ASSERT_TRUE(prep.add_post("курьер опоздал", posts).ok());
  ASSERT_TRUE(prep.add_post("курьер сильно опоздал", posts).ok());
  std::vector<std::vector<semantic_decision>> d;
  ASSERT_TRUE(set->decide(*cpu, posts, {}, d).ok());
  EXPECT_FALSE(d[0][0].tagged);  // a tie with a counter-example: not tagged
  EXPECT_TRUE(d[0][1].tagged);   // the same text scores 1 (within float rounding of 1)
  EXPECT_GT(d[0][1].example_score, 0.999f);
  EXPECT_FALSE(d[1][1].tagged);  // an extra word: below 0.99
  EXPECT_GT(d[1][1].example_score, 0.5f);
}

TEST(SemanticTags, BrokenDefinitionsAreRefusedWithWhereAndWhy) {
  text_preparer prep;
  auto expect_error = [&](semantic_tag_definition def, std::string_view needle) {
    auto st = validate_semantic_tag(def, prep);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
    auto cpu = make_cpu_embedding_backend();
    EXPECT_FALSE(semantic_tag_set::compile(std::vector{def}, *cpu).ok());
  };
  expect_error({"", {"a b"}, {}, 0.5f}, "needs a path");
  expect_error({"X", {}, {"a b"}, 0.5f}, "at least one example");
  expect_error({"X", {"курьер"}, {}, 0.0f}, "min_similarity must be in (0, 1]");
  expect_error({"X", {"курьер"}, {}, 1.5f}, "min_similarity");
  expect_error({"X", {"курьер", "🔥🔥"}, {}, 0.5f}, "example 2 (\"🔥🔥\") has no words");
  expect_error({"X", {"курьер"}, {"http://x.ru"}, 0.5f}, "counter-example 1");
  expect_error({"X", {"bad \xFF"}, {}, 0.5f}, "example 1: invalid UTF-8");
  EXPECT_TRUE(validate_semantic_tag({"X", {"курьер опоздал"}, {}, 0.5f}, prep).ok());
}

}  // namespace
}  // namespace sito::enrich
