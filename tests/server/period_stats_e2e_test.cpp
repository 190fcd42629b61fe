// Period measures end to end (issue 17): over the wire against a recount
// of the engine's own mentions of the same posts, and through the CLI
// against a running sitod.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "server/sitod_fixture.hpp"
#include "sito/server/period_stats.hpp"
#include "support/http_get.hpp"
#include "support/period_reference.hpp"

namespace sito {
namespace {

using namespace sito::sitod_testing;

TEST_F(Sitod, PeriodStatsOverTheWireEqualARecountOfTheEnginesMentions) {
  // Topics with tags (an NPS convention among them) and a rule; posts
  // published over ten weeks by recurring authors.
  std::vector<topic_spec> topics = acme_topics();
  topics[4].tags = {{"NPS/Промоутер", "хорош* OR любовь OR мудр*"}, {"NPS/Критик", "плох* OR смерть OR дурак*"},
                    {"Тема/Жизнь", "жизнь"}, {"Тема/Люди", "человек*"}, {"Тема/Бог", "бог*"}};
  topics[4].rules = {{"bad", "смерть", {.add_tags = {"Риск"}, .sentiment = "negative"}}};
  // The topic names its own NPS paths: they win over the NPS/ convention tags it also has.
  topics[4].nps = {"Тема/Люди", "Тема/Бог", "Тема/Жизнь"};
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(topics).ok());
  std::vector<post> posts = firehose(3000);
  const int64_t first_s = 1'788'220'800;  // 2026-09-01T00:00:00Z
  for (size_t i = 0; i < posts.size(); ++i) posts[i].published_at = first_s + static_cast<int64_t>(i) * 70 * 86400 / 3000;
  auto producer = connect(token_producer, client::role::producer);
  for (size_t b = 0; b < posts.size(); b += 500) {
    std::vector<post> batch(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 500));
    ASSERT_TRUE(producer->publish(batch).ok());
  }
  ASSERT_TRUE(server_->wait_until_matched());

  // The engine's mentions of the same posts (what `sito match` prints).
  auto snap = compile_topics(topics);
  ASSERT_TRUE(snap.ok());
  batch_scanner scanner(*snap);
  scan_output out;
  scanner.scan(posts, out);
  std::vector<test::counted_mention> engine;
  for (const auto& m : out.matches) {
    server::mention_record r;
    server::annotate_mention(r, out, m, **snap);
    engine.push_back({r.topic, r.tags, r.sentiment, r.wom, posts[m.post], wall_ms()});
  }
  ASSERT_GT(engine.size(), 300u);
  // The rule's negatives, counted by the engine's own sentiment names (not
  // by the reference's numbering, which could share a mistake with sitod's).
  uint64_t life_negative = 0;
  for (const auto& m : out.matches)
    life_negative += (*snap)->topics[m.topic].id == "life" && m.sentiment == rules::sentiment::negative;
  ASSERT_GT(life_negative, 0u);
  // The matcher writes rollups about once a second: wait until they hold every mention.
  {
    client::period_request all;
    all.by = "all";
    all.from = "2026-01-01";
    all.to = "2027-01-01";
    uint64_t counted = 0;
    for (int i = 0; i < 300 && counted < engine.size(); ++i) {
      auto r = admin->periods(all);
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      counted = r->empty() ? 0 : (*r)[0].mentions;
      if (counted < engine.size()) std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(counted, engine.size());
  }

  const std::string nps_paths[3] = {"Тема/Люди", "Тема/Бог", "Тема/Жизнь"};
  struct ask {
    std::string topic, tag, by, zone;
    std::vector<std::string> among;
  };
  const std::vector<ask> asks = {{"", "", "week", "Europe/Moscow", {}},
                                 {"life", "", "week", "Europe/Moscow", {}},
                                 {"life", "", "month", "America/New_York", {"life", "phrase"}},
                                 {"life", "", "week", "UTC", {"pair"}},
                                 {"life", "Тема", "day", "Asia/Almaty", {}},
                                 {"phrase", "", "all", "UTC", {}}};
  uint64_t counted = 0;
  bool some_nps = false;
  for (const auto& a : asks) {
    client::period_request q;
    q.topic = a.topic;
    q.tag = a.tag;
    q.by = a.by;
    q.time_zone = a.zone;
    q.among = a.among;
    const std::vector<std::string> among =
        a.among == std::vector<std::string>{"pair"} ? std::vector<std::string>{"life", "phrase"} : a.among;
    q.from = "2026-08-25";
    q.to = "2026-11-20T12:00";
    auto got = admin->periods(q);
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    test::period_reference ref(a.zone);
    auto from = server::parse_time(q.from, a.zone, 0), to = server::parse_time(q.to, a.zone, 0);
    const auto unit = *server::parse_period_unit(a.by);
    const auto want = ref.rows(engine, a.topic, a.tag, *from, *to,
                               static_cast<test::ref_unit>(static_cast<int>(unit)),
                               a.topic == "life" && a.tag.empty() ? nps_paths : nullptr, among);
    test::expect_same_rows(*got, want, a.topic + "/" + a.tag + " by " + a.by + " in " + a.zone);
    for (const auto& r : want) {
      counted += r.mentions;
      some_nps |= r.nps.value_or(0) != 0;
    }
  }

  EXPECT_GT(counted, 500u);
  EXPECT_TRUE(some_nps);
  {
    client::period_request q;
    q.topic = "life";
    q.by = "all";
    q.from = "2026-01-01";
    q.to = "2027-01-01";
    auto got = admin->periods(q);
    ASSERT_TRUE(got.ok() && got->size() == 1) << "one row for the whole period";
    EXPECT_EQ((*got)[0].negative, life_negative);
  }
  // Errors carry the server's reason.
  client::period_request bad;
  bad.from = "last tuesday";
  auto e = admin->periods(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("expected now, -7d"), std::string::npos) << e.error().message();
  bad.from = "-7d";
  bad.topic = "nosuch";
  e = admin->periods(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("no topic 'nosuch'"), std::string::npos) << e.error().message();
  bad.topic.clear();
  bad.time_zone = "Mars/Olympus";
  e = admin->periods(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("unknown time zone"), std::string::npos) << e.error().message();
  // The running hour's gauges.
  const std::string metrics = testing::http_get(server_->http_port(), "/metrics");
  EXPECT_NE(metrics.find("sito_audience{tenant=\"acme\",topic=\"life\"} "), std::string::npos);
  EXPECT_NE(metrics.find("# TYPE sito_wom_share gauge"), std::string::npos);
  EXPECT_NE(metrics.find("sito_reach{tenant=\"acme\",topic=\"phrase\"} "), std::string::npos);
  EXPECT_EQ(testing::metric_value(metrics, "sito_rollup_cells_corrupt_total"), 0);
}

// `sito stats --by`: one JSON line per bucket, with exactly the documented
// names, from the rollups of a running sitod; a bad time says what it wants.
TEST(SitodProcess, SitoStatsByDayPrintsOneLinePerBucketWithTheDocumentedFields) {
  const fs::path dir = fs::temp_directory_path() / ("sito_stats_by_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  sitod_process proc(dir);
  const uint16_t port = proc.start();
  ASSERT_NE(port, 0) << "sitod did not start";
  auto admin = client::connection::open(opts(port, token_admin, client::role::admin));
  ASSERT_TRUE(admin.ok()) << admin.error().to_string();
  ASSERT_TRUE((*admin)->upsert_topics(acme_topics()).ok());
  {
    // Six posts of the delivery topic on 2, 2 and 3 November (Moscow), by
    // three authors; a seventh of no topic.
    std::ofstream out(dir / "posts.jsonl");
    const int64_t nov2 = 1'793'566'800;  // 2026-11-02T00:00:00+03:00
    const int days[] = {0, 0, 1, 1, 2, 2};
    for (int i = 0; i < 6; ++i)
      out << R"({"id":"s)" << i << R"(","source":"vk","text":"доставка опять","published_at":)"
          << nov2 + days[i] * 86400 + 3600 * (i + 1) << R"(,"author":{"id":"a)" << i % 3
          << R"(","followers":)" << 100 * (i % 3 + 1) << R"(},"reach":0,"engagement":)" << i << "}\n";
    out << R"({"id":"s9","source":"vk","text":"ничего","published_at":)" << nov2 << "}\n";
  }
  sito_publish(port, dir / "posts.jsonl", dir);
  const std::string stats = std::string("SITO_TOKEN=") + token_admin + " '" + SITO_CLI_PATH +
                            "' stats --server 127.0.0.1:" + std::to_string(port);
  const fs::path out = dir / "stats.jsonl", err = dir / "stats.err";
  std::vector<nlohmann::ordered_json> rows;  // in the printed order of names
  uint64_t total = 0;
  for (int attempt = 0; attempt < 100 && total < 6; ++attempt) {
    if (attempt) std::this_thread::sleep_for(100ms);
    const std::string cmd = stats + " --topic delivery --by day --from 2026-11-01 --to 2026-11-05 --tz Europe/Moscow >'" +
                            out.string() + "' 2>'" + err.string() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    rows.clear();
    total = 0;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) {
      rows.push_back(nlohmann::ordered_json::parse(line));
      total += rows.back()["mentions"].get<uint64_t>();
    }
  }
  ASSERT_EQ(rows.size(), 4u);
  ASSERT_EQ(total, 6u);
  const std::vector<std::string> names = {"from",      "to",       "topic",  "tag",        "mentions", "negative",
                                          "neutral",   "positive", "loyalty", "authors",   "audience", "reach",
                                          "engagement", "er",      "wom",     "wom_share", "nps",      "share_of_voice"};
  std::vector<std::string> keys;
  for (auto it = rows[0].begin(); it != rows[0].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, names);
  EXPECT_EQ(rows[0]["from"], "2026-11-01T00:00:00+03:00");
  EXPECT_EQ(rows[0]["mentions"], 0);
  EXPECT_EQ(rows[1]["from"], "2026-11-02T00:00:00+03:00");
  EXPECT_EQ(rows[1]["mentions"], 2);
  EXPECT_EQ(rows[1]["authors"], 2);           // a0 and a1
  EXPECT_EQ(rows[1]["audience"], 100 + 200);  // each author once
  EXPECT_EQ(rows[1]["reach"], 100 + 200);     // no reach: the followers
  EXPECT_EQ(rows[3]["mentions"], 2);
  EXPECT_EQ(rows[3]["engagement"], 4 + 5);
  EXPECT_TRUE(rows[1]["nps"].is_null());      // the topic has no NPS tags
  EXPECT_EQ(rows[1]["share_of_voice"], 1.0);  // its mentions are all the tenant's
  const std::string bad = stats + " --topic delivery --by day --from yesterday >/dev/null 2>'" + err.string() + "'";
  EXPECT_NE(std::system(bad.c_str()), 0);
  std::ifstream in(err);
  const std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(message.find("bad time 'yesterday'"), std::string::npos) << message;
  proc.terminate();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sito
