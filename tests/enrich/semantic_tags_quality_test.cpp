// The built-in embedding on the hand-labelled semantic-tag set
// (semantic_cases.hpp): the set is well formed, and the kNN tag decision
// keeps the quality measured for issue 12 (bench/RESULTS.md, "Issue 12:
// semantic-tag model"), less a margin, so that a change to the embedding, the
// preparer or the segments that makes tags worse fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "enrich/semantic_cases.hpp"
#include "sito/enrich/embedding.hpp"

namespace sito::enrich {
namespace {

namespace sc = semantic_cases;

std::vector<float> builtin_scores() {
  text_preparer prep;
  prepared_batch posts, phrases;
  for (const auto& p : sc::posts()) EXPECT_TRUE(prep.add_post(p.text, posts).ok()) << p.text;
  for (const auto& p : sc::phrases()) EXPECT_TRUE(prep.add_phrase(p.text, phrases).ok()) << p.text;
  auto cpu = make_cpu_embedding_backend();
  auto ex = make_example_matrix(*cpu, phrases);
  EXPECT_TRUE(ex.ok());
  std::vector<float> scores;
  EXPECT_TRUE(cpu->score(posts, **ex, scores).ok());
  return scores;
}

TEST(SemanticCases, EveryLabelNamesATagAndEveryTagHasExamplesAndPosts) {
  std::set<std::string_view> ids;
  for (const auto& t : sc::tags()) {
    EXPECT_TRUE(ids.insert(t.id).second) << t.id;
    EXPECT_GE(t.examples.size(), 2u) << t.id;
    EXPECT_LE(t.examples.size(), 4u) << t.id;
    EXPECT_GE(t.counter_examples.size(), 1u) << t.id;
  }
  std::set<std::string_view> seen;
  size_t unlabelled = 0;
  for (const auto& p : sc::posts()) {
    for (auto id : p.tags) {
      EXPECT_TRUE(ids.count(id)) << id << " in «" << p.text << "»";
      seen.insert(id);
    }
    unlabelled += p.tags.empty();
  }
  EXPECT_EQ(seen, ids);
  EXPECT_GE(sc::posts().size(), 150u);
  EXPECT_GE(unlabelled, 30u);  // posts that should get no tag, near misses among them
}

TEST(SemanticTagsQuality, BuiltInEmbeddingKeepsItsMeasuredQuality) {
  const auto scores = builtin_scores();
  ASSERT_EQ(scores.size(), sc::posts().size() * sc::phrases().size());
  // Measured on 2026-12-01 (bench/RESULTS.md, issue 12; the built-in
  // embedding is deterministic, so these are exact): at 0.30, the recommended
  // min_similarity, precision 0.815, recall 0.379, F1 0.518 (44 tp, 10 fp,
  // 72 fn); the best F1 over the sweep 0.543 at 0.25. The floors are those
  // less about 0.05: a change that costs more than a few cases fails.
  const auto at_default = sc::evaluate(scores, 0.30f);
  EXPECT_GE(at_default.f1(), 0.47) << "tp " << at_default.tp << " fp " << at_default.fp << " fn " << at_default.fn;
  EXPECT_GE(at_default.precision(), 0.76);
  EXPECT_GE(at_default.recall(), 0.33);
  double best = 0;
  for (int i = 0; i <= 12; ++i) best = std::max(best, sc::evaluate(scores, 0.20f + 0.05f * static_cast<float>(i)).f1());
  EXPECT_GE(best, 0.49);
  // Posts that should get no tag (near misses, unrelated): 2 of 46 got one
  // when measured ("Приложение стало быстрее после обновления" is nearer to
  // the example "приложение не работает после обновления" than to the
  // counter-example); allow 4.
  const auto ph = sc::phrases();
  size_t untagged_posts_tagged = 0;
  for (size_t p = 0; p < sc::posts().size(); ++p) {
    if (!sc::posts()[p].tags.empty()) continue;
    for (size_t t = 0; t < sc::tags().size(); ++t)
      if (sc::decide(scores, ph, p, t, 0.30f)) {
        ++untagged_posts_tagged;
        break;
      }
  }
  EXPECT_LE(untagged_posts_tagged, 4u);
}

}  // namespace
}  // namespace sito::enrich
