// sitod's semantic tags end to end (issue 12, README "Semantic tags"): a
// topic upserted over the protocol with a tag by example, posts published,
// mentions read back: the tag decided by the examples before the rules ran,
// a counter-example winning, a query and examples both needed, the posts
// counted in /metrics, and an unavailable backend refused at start-up.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "server/sitod_fixture.hpp"
#include "sito/enrich/embedding.hpp"
#include "support/http_get.hpp"

namespace sito::sitod_testing {
namespace {

post shop_post(const std::string& id, const std::string& text, const std::string& type = "social") {
  post p;
  p.id = id;
  p.text = text;
  p.source = "vk";
  p.source_type = type;
  p.author.id = "u-" + id;
  return p;
}

topic_spec delivery_topic() {
  topic_spec t{"acme", "shop", "", "магазин* OR заказ* OR курьер*", {}, {}};
  t.tags = {{"Доставка/Опоздание", "", {"курьер опоздал на два часа", "заказ привезли с опозданием"},
             {"курьер приехал вовремя"}, -1},
            {"Доставка/Опоздание/Отзывы", "type:review", {"курьер опоздал на два часа", "заказ привезли с опозданием"},
             {"курьер приехал вовремя"}, -1}};
  t.rules = {{"late", "tag:\"Доставка/Опоздание\"", {{}, "negative", 90.0}}};
  return t;
}

TEST_F(Sitod, SemanticTagsAreDecidedByExamplesBeforeTheRules) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({delivery_topic()}).ok());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer
                  ->publish({shop_post("late", "Заказала платье в магазине. Курьер опоздал на три часа и не позвонил!"),
                             shop_post("review", "Заказ привезли с опозданием в два дня, магазин молчит", "review"),
                             shop_post("on-time", "Спасибо магазину, курьер приехал вовремя и был вежлив"),
                             shop_post("other", "Отличный магазин, ткань качественная")})
                  .ok());
  ASSERT_TRUE(server_->wait_until_matched());

  client::subscription_options so;
  so.name = "all";
  so.start = client::start_from::offset;
  so.offset = 0;
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber), so);
  std::map<std::string, client::mention> got;
  for (;;) {
    auto b = sub.next(700ms);
    ASSERT_TRUE(b.ok());
    if (b->empty()) break;
    for (auto& m : *b) got[m.p.id] = m;
  }
  ASSERT_EQ(got.size(), 4u);
  using tags = std::vector<std::string>;
  EXPECT_EQ(got.at("late").tags, tags{"Доставка/Опоздание"});
  EXPECT_EQ(got.at("late").sentiment, static_cast<uint8_t>(rules::sentiment::negative)) << "the rule saw the semantic tag";
  EXPECT_EQ(got.at("late").sentiment_source, "rule:late");
  EXPECT_EQ(got.at("review").tags, (tags{"Доставка/Опоздание", "Доставка/Опоздание/Отзывы"}));
  EXPECT_EQ(got.at("on-time").tags, tags{}) << "the counter-example is nearer";
  EXPECT_NE(got.at("on-time").sentiment_source, "rule:late");
  EXPECT_EQ(got.at("other").tags, tags{});
  EXPECT_EQ(testing::metric_value(testing::http_get(server_->http_port(), "/metrics"), "sito_semantic_posts_total"), 4);

  // The topic reads back over the protocol with its examples.
  auto topics = admin->list_topics();
  ASSERT_TRUE(topics.ok());
  ASSERT_EQ(topics->topics.size(), 1u);
  ASSERT_EQ(topics->topics[0].tags.size(), 2u);
  EXPECT_EQ(topics->topics[0].tags[0].examples, delivery_topic().tags[0].examples);
  EXPECT_EQ(topics->topics[0].tags[0].counter_examples, delivery_topic().tags[0].counter_examples);
}

TEST_F(Sitod, EmbeddingsAndNearDuplicatesChangesNeedARestart) {
  auto next = make_config(dir_);
  next.embeddings.backend = "cpu";
  next.near_duplicates.threshold = 0.7;
  EXPECT_EQ(server_->reload(next), (std::vector<std::string>{"embeddings", "near_duplicates"}));
}

TEST_F(Sitod, AnUnavailableEmbeddingBackendIsRefusedAtStartUp) {
  auto config = make_config(dir_ / "other");
  config.embeddings.backend = "tpu";
  auto s = server::sitod::create(config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("embeddings"), std::string::npos) << s.error().message();
  config.embeddings.backend = "cpu";
  config.embeddings.model = (dir_ / "no-such-model.bin").string();
  auto m = server::sitod::create(config);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("embeddings: model: "), std::string::npos) << m.error().message();
  config.embeddings.model.clear();
  config.embeddings.backend = "cuda";
  auto c = server::sitod::create(config);
  const auto names = enrich::embedding_backend_names();
  const bool have_cuda = std::find(names.begin(), names.end(), "cuda") != names.end();
  EXPECT_EQ(c.ok(), have_cuda) << (c.ok() ? "" : c.error().message());
}

}  // namespace
}  // namespace sito::sitod_testing
