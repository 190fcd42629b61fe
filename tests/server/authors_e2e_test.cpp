// One author across platforms end to end (issue 13, README "One author
// across platforms"): posts with author.links through sitod, person_id on
// delivered mentions, admin link/unlink through the protocol and the CLI,
// the history answer (order, content, --since, --limit) across a restart,
// and a subscription's history pane.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/sitod_fixture.hpp"

namespace sito::sitod_testing {
namespace {

post by(const std::string& id, const std::string& source, const std::string& author, const std::string& text,
        std::vector<std::string> links = {}) {
  post p;
  p.id = id;
  p.source = source;
  p.source_type = "social";
  p.text = text;
  p.author.id = author;
  p.author.links = std::move(links);
  return p;
}

/// Every mention of the tenant from offset 0, in offset order.
std::vector<client::mention> read_all(uint16_t port, client::subscription_options so = {}) {
  so.name = so.name.empty() ? "all" : so.name;
  so.start = client::start_from::offset;
  so.offset = 0;
  client::subscriber sub(opts(port, token_subscriber, client::role::subscriber), so);
  std::vector<client::mention> out;
  for (;;) {
    auto b = sub.next(700ms);
    EXPECT_TRUE(b.ok());
    if (!b.ok() || b->empty()) break;
    for (auto& m : *b) out.push_back(m);
  }
  return out;
}

std::vector<std::string> post_ids(const std::vector<client::mention>& ms) {
  std::vector<std::string> ids;
  for (const auto& m : ms) ids.push_back(m.p.id);
  return ids;
}

std::string run_cli(const fs::path& dir, uint16_t port, const std::string& args, int* code = nullptr) {
  const fs::path out = dir / "cli.out";
  const std::string command = std::string("SITO_TOKEN=") + token_admin + " '" + SITO_CLI_PATH + "' " + args +
                              " --server 127.0.0.1:" + std::to_string(port) + " >'" + out.string() + "' 2>&1";
  const int rc = std::system(command.c_str());
  if (code) *code = rc;
  else EXPECT_EQ(rc, 0) << command;
  std::ifstream in(out);
  std::string line, text;
  while (std::getline(in, line)) text += line + "\n";
  return text;
}

TEST_F(Sitod, AuthorLinksMakeOnePersonWhoseHistorySpansPlatformsAndSurvivesARestart) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "delivery", "", "доставка OR курьер*", {}, {}}}).ok());
  auto producer = connect(token_producer, client::role::producer);
  // vk:123 writes; later tg:555 writes and says it is vk:123; crm:8812 is
  // someone else until an admin links it; vk:999 is a stranger.
  ASSERT_TRUE(producer->publish({by("v1", "vk", "123", "где моя доставка?")}).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  ASSERT_TRUE(producer->publish({by("t1", "tg", "555", "курьер так и не приехал", {"vk:123"}),
                                 by("x1", "vk", "999", "доставка отличная"),
                                 by("c1", "crm", "8812", "жалоба на доставку: курьер грубил")})
                  .ok());
  ASSERT_TRUE(server_->wait_until_matched());
  auto got = read_all(server_->port());
  ASSERT_EQ(post_ids(got), (std::vector<std::string>{"v1", "t1", "x1", "c1"}));
  EXPECT_EQ(got[0].person_id, "vk:123") << "before the link, vk:123 was its own person";
  EXPECT_EQ(got[1].person_id, "tg:555") << "the smallest id of {tg:555, vk:123}";
  EXPECT_EQ(got[2].person_id, "vk:999");
  EXPECT_EQ(got[3].person_id, "crm:8812");
  EXPECT_EQ(got[1].p.author.links, std::vector<std::string>{"vk:123"}) << "the post keeps its links";

  // A bad link is a rejected post with a reason; the rest of the batch goes in.
  auto ack = producer->publish({by("bad", "vk", "1", "доставка", {"not a link"}), by("v2", "vk", "123", "доставка снова")});
  ASSERT_TRUE(ack.ok());
  ASSERT_EQ(ack->rejected.size(), 1u);
  EXPECT_NE(ack->rejected[0].reason.find("author.links[0]"), std::string::npos) << ack->rejected[0].reason;
  ASSERT_TRUE(server_->wait_until_matched());

  // History: every platform, newest first.
  auto h = admin->author_history("vk:123");
  ASSERT_TRUE(h.ok()) << h.error().to_string();
  EXPECT_EQ(h->person_id, "tg:555");
  EXPECT_EQ(h->members, (std::vector<std::string>{"tg:555", "vk:123"}));
  EXPECT_EQ(post_ids(h->mentions), (std::vector<std::string>{"v2", "t1", "v1"}));
  EXPECT_EQ(h->mentions[1].p.text, "курьер так и не приехал");
  EXPECT_EQ(h->mentions[1].topic, "delivery");

  // An admin merges crm:8812 into the person: the history takes its mentions
  // at once (the index is read per member id; nothing is re-keyed).
  auto merged = admin->link_authors("crm:8812", "vk:123");
  ASSERT_TRUE(merged.ok()) << merged.error().to_string();
  EXPECT_EQ(merged->person_id, "crm:8812");
  EXPECT_EQ(merged->members, (std::vector<std::string>{"crm:8812", "tg:555", "vk:123"}));
  h = admin->author_history("tg:555");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(post_ids(h->mentions), (std::vector<std::string>{"v2", "c1", "t1", "v1"}));
  h = admin->author_history("tg:555", "", 2);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(post_ids(h->mentions), (std::vector<std::string>{"v2", "c1"})) << "--limit";
  h = admin->author_history("tg:555", "2999-01-01");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->mentions.empty()) << "--since in the future";
  auto bad = admin->author_history("nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("platform:id"), std::string::npos) << bad.error().message();
  auto bad_link = admin->link_authors("vk:1", "VK 2");
  ASSERT_FALSE(bad_link.ok());

  // Another tenant neither sees nor shares acme's persons.
  auto other = connect(token_other_admin, client::role::admin);
  auto theirs = other->author_history("vk:123");
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->members, std::vector<std::string>{"vk:123"});
  EXPECT_TRUE(theirs->mentions.empty());
  other.reset();

  // A restart: persons rebuilt from the stored links, the index intact.
  admin.reset();
  producer.reset();
  restart();
  admin = connect(token_admin, client::role::admin);
  h = admin->author_history("vk:123");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->person_id, "crm:8812");
  EXPECT_EQ(post_ids(h->mentions), (std::vector<std::string>{"v2", "c1", "t1", "v1"}));
  producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({by("t2", "tg", "555", "доставка через неделю")}).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  got = read_all(server_->port());
  ASSERT_EQ(got.back().p.id, "t2");
  EXPECT_EQ(got.back().person_id, "crm:8812") << "links recorded before the restart hold after it";

  // The history pane: each mention with up to two previous mentions of its person.
  client::subscription_options pane;
  pane.name = "desk";
  pane.history = 2;
  auto desk = read_all(server_->port(), pane);
  ASSERT_EQ(post_ids(desk), (std::vector<std::string>{"v1", "t1", "x1", "c1", "v2", "t2"}));
  EXPECT_TRUE(desk[0].history.empty());
  EXPECT_EQ(post_ids(desk[1].history), std::vector<std::string>{"v1"});
  EXPECT_TRUE(desk[2].history.empty()) << "vk:999 has no earlier mention";
  EXPECT_EQ(post_ids(desk[3].history), (std::vector<std::string>{"t1", "v1"})) << "crm:8812 is one with them now";
  EXPECT_EQ(post_ids(desk[5].history), (std::vector<std::string>{"v2", "c1"}));
  EXPECT_EQ(desk[5].history[0].p.text, "доставка снова");

  // unlink: vk:123 leaves; tg:555 and crm:8812 were linked only through it.
  auto split = admin->unlink_authors("vk:123");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->members, std::vector<std::string>{"vk:123"});
  h = admin->author_history("tg:555");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->members, std::vector<std::string>{"tg:555"});
  EXPECT_EQ(post_ids(h->mentions), (std::vector<std::string>{"t2", "t1"}));
  // A later post carrying the removed link does not undo the admin's split.
  ASSERT_TRUE(producer->publish({by("t3", "tg", "555", "доставка", {"vk:123"})}).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  got = read_all(server_->port());
  EXPECT_EQ(got.back().person_id, "tg:555");
}

TEST_F(Sitod, TheAuthorsCommandsLinkUnlinkAndListHistoryAsJsonLines) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "delivery", "", "доставка", {}, {}}}).ok());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({by("v1", "vk", "123", "доставка раз"), by("t1", "tg", "555", "доставка два")}).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  const uint16_t port = server_->port();
  auto linked = nlohmann::json::parse(run_cli(dir_, port, "authors link vk:123 tg:555"));
  EXPECT_EQ(linked["person_id"], "tg:555");
  EXPECT_EQ(linked["links"], nlohmann::json::parse(R"([["tg:555","vk:123"]])"));
  std::string lines = run_cli(dir_, port, "authors history --author vk:123 --limit 5");
  std::vector<nlohmann::json> rows;
  size_t at = 0;
  for (size_t nl; (nl = lines.find('\n', at)) != std::string::npos; at = nl + 1)
    rows.push_back(nlohmann::json::parse(lines.substr(at, nl - at)));
  ASSERT_EQ(rows.size(), 3u) << lines;
  EXPECT_EQ(rows[0]["members"], nlohmann::json::parse(R"(["tg:555","vk:123"])"));
  EXPECT_EQ(rows[1]["post_id"], "t1");
  EXPECT_EQ(rows[1]["person_id"], "tg:555");
  EXPECT_EQ(rows[2]["post_id"], "v1");
  EXPECT_EQ(rows[2]["person_id"], "vk:123") << "a mention keeps the person it had when it matched";
  // `sito subscribe` prints person_id and, with --history, the pane.
  const std::string sub = std::string("SITO_TOKEN=") + token_subscriber + " '" + SITO_CLI_PATH +
                          "' subscribe --server 127.0.0.1:" + std::to_string(port) +
                          " --name cli --from offset:0 --count 2 --history 3";
  FILE* pipe = ::popen(sub.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  EXPECT_EQ(::pclose(pipe), 0);
  EXPECT_NE(out.find("\"person_id\":\"vk:123\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"history\":[{"), std::string::npos) << out;
  auto split = nlohmann::json::parse(run_cli(dir_, port, "authors unlink tg:555 vk:123"));
  EXPECT_EQ(split["members"], nlohmann::json::parse(R"(["tg:555"])"));
  int rc = 0;
  const std::string err = run_cli(dir_, port, "authors link vk:1 nolink", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(err.find("platform:id"), std::string::npos) << err;
}

}  // namespace
}  // namespace sito::sitod_testing
