// Tests of one author across platforms below sitod: author_graph (the
// union-find with splits and blocks), against a brute-force reference of
// connected components over random link/unlink sequences; person_directory
// over a real store (durability across a reopen, links written with the
// mentions, the history index across merges and splits).
#include "author_graph.hpp"
#include "person_directory.hpp"

#include "sito/server/store.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sito::server {
namespace {

using test::temp_dir;

TEST(AuthorGraph, LinksMergeIntoOnePersonNamedBySmallestId) {
  author_graph g;
  EXPECT_EQ(g.person_of("vk:123"), "vk:123");  // no links: its own person
  EXPECT_EQ(g.members("vk:123"), std::vector<std::string>{"vk:123"});
  EXPECT_TRUE(g.link("vk:123", "tg:555", link_origin::post));
  EXPECT_FALSE(g.link("tg:555", "vk:123", link_origin::post));  // known already
  EXPECT_FALSE(g.link("vk:123", "vk:123", link_origin::admin));
  EXPECT_EQ(g.person_of("vk:123"), "tg:555");
  EXPECT_TRUE(g.link("x:9", "crm:8812", link_origin::admin));
  EXPECT_EQ(g.person_of("x:9"), "crm:8812");
  // Two persons merge: the merged one takes the smaller name.
  EXPECT_TRUE(g.link("vk:123", "x:9", link_origin::post));
  for (const char* id : {"vk:123", "tg:555", "x:9", "crm:8812"}) EXPECT_EQ(g.person_of(id), "crm:8812") << id;
  EXPECT_EQ(g.members("tg:555"), (std::vector<std::string>{"crm:8812", "tg:555", "vk:123", "x:9"}));
  EXPECT_EQ(g.link_count(), 3u);
}

TEST(AuthorGraph, UnlinkSplitsTheSetAlongTheRemainingLinks) {
  author_graph g;
  // a - b - c - d, and b - e: unlinking b leaves {a}, {b}, {c, d}, {e}.
  g.link("p:a", "p:b", link_origin::post);
  g.link("p:b", "p:c", link_origin::post);
  g.link("p:c", "p:d", link_origin::post);
  g.link("p:b", "p:e", link_origin::post);
  EXPECT_EQ(g.person_of("p:e"), "p:a");
  auto removed = g.unlink("p:b");
  EXPECT_EQ(removed, (std::vector<author_graph::pair>{{"p:a", "p:b"}, {"p:b", "p:c"}, {"p:b", "p:e"}}));
  EXPECT_EQ(g.person_of("p:a"), "p:a");
  EXPECT_EQ(g.person_of("p:b"), "p:b");
  EXPECT_EQ(g.person_of("p:d"), "p:c");
  EXPECT_EQ(g.members("p:d"), (std::vector<std::string>{"p:c", "p:d"}));
  EXPECT_EQ(g.person_of("p:e"), "p:e");
  // Removing one link of a cycle splits nothing.
  g.link("p:d", "p:f", link_origin::admin);
  g.link("p:f", "p:c", link_origin::admin);
  EXPECT_TRUE(g.unlink("p:c", "p:d"));
  EXPECT_EQ(g.person_of("p:d"), "p:c");
  EXPECT_FALSE(g.unlink("p:c", "p:d"));
  EXPECT_EQ(g.link_count(), 2u);
}

TEST(AuthorGraph, AnAdminsSplitHoldsAgainstPostsUntilAnAdminLinksAgain) {
  author_graph g;
  g.link("vk:1", "tg:1", link_origin::post);
  g.unlink("vk:1");
  EXPECT_TRUE(g.blocked("tg:1", "vk:1"));
  EXPECT_FALSE(g.link("vk:1", "tg:1", link_origin::post));  // a later post carries it again: ignored
  EXPECT_EQ(g.person_of("vk:1"), "vk:1");
  EXPECT_TRUE(g.link("vk:1", "tg:1", link_origin::admin));
  EXPECT_FALSE(g.blocked("vk:1", "tg:1"));
  EXPECT_EQ(g.person_of("vk:1"), "tg:1");
}

/// The brute-force reference: the link set and the blocks, components by
/// search on every question.
struct reference_graph {
  std::set<std::pair<std::string, std::string>> links, blocks;
  static std::pair<std::string, std::string> ordered(const std::string& a, const std::string& b) {
    return a < b ? std::pair(a, b) : std::pair(b, a);
  }
  void link(const std::string& a, const std::string& b, bool admin) {
    if (a == b) return;
    if (!admin && blocks.count(ordered(a, b))) return;
    blocks.erase(ordered(a, b));
    links.insert(ordered(a, b));
  }
  void unlink(const std::string& a) {
    for (auto it = links.begin(); it != links.end();) {
      if (it->first == a || it->second == a) {
        blocks.insert(*it);
        it = links.erase(it);
      } else {
        ++it;
      }
    }
  }
  void unlink(const std::string& a, const std::string& b) {
    if (a == b) return;
    links.erase(ordered(a, b));
    blocks.insert(ordered(a, b));
  }
  std::vector<std::string> members(const std::string& a) const {
    std::set<std::string> seen{a};
    std::vector<std::string> todo{a};
    while (!todo.empty()) {
      const std::string x = todo.back();
      todo.pop_back();
      for (const auto& [p, q] : links) {
        const std::string* other = p == x ? &q : q == x ? &p : nullptr;
        if (other && seen.insert(*other).second) todo.push_back(*other);
      }
    }
    return {seen.begin(), seen.end()};
  }
};

TEST(AuthorGraphDifferential, MatchesBruteForceComponentsOverRandomLinksAndSplits) {
  for (const uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937 rng(seed);
    const int ids = 8 + static_cast<int>(seed) * 6;
    auto id = [&] { return "s" + std::to_string(rng() % 3) + ":" + std::to_string(rng() % static_cast<uint32_t>(ids)); };
    author_graph g;
    reference_graph ref;
    for (int step = 0; step < 3000; ++step) {
      const uint32_t op = rng() % 10;
      const std::string a = id(), b = id();
      if (op < 6) {
        g.link(a, b, op < 4 ? link_origin::post : link_origin::admin);
        ref.link(a, b, op >= 4);
      } else if (op < 8) {
        g.unlink(a, b);
        ref.unlink(a, b);
      } else {
        g.unlink(a);
        ref.unlink(a);
      }
      ASSERT_EQ(g.link_count(), ref.links.size()) << "seed " << seed << " step " << step;
      const std::string q = id();
      const auto want = ref.members(q);
      ASSERT_EQ(g.members(q), want) << "seed " << seed << " step " << step << " id " << q;
      ASSERT_EQ(g.person_of(q), want.front()) << "seed " << seed << " step " << step;
    }
    // Every id at the end, and a rebuild from the links and blocks alone
    // (what a restart does) names every person alike.
    author_graph rebuilt;
    for (const auto& [a, b] : ref.blocks) rebuilt.block(a, b);
    for (const auto& [a, b] : ref.links) rebuilt.link(a, b, link_origin::post);
    for (int s = 0; s < 3; ++s)
      for (int n = 0; n < ids; ++n) {
        const std::string q = "s" + std::to_string(s) + ":" + std::to_string(n);
        EXPECT_EQ(g.members(q), ref.members(q)) << q;
        EXPECT_EQ(rebuilt.person_of(q), g.person_of(q)) << q;
        EXPECT_EQ(rebuilt.links_of_person(q), g.links_of_person(q)) << q;
      }
  }
}

std::unique_ptr<store> open_store(const std::string& path) {
  store_options o;
  o.path = path;
  auto r = store::open(o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : nullptr;
}

post authored(const std::string& source, const std::string& author, std::vector<std::string> links = {}) {
  post p;
  p.id = source + "-" + author + "-" + std::to_string(links.size());
  p.source = source;
  p.text = "text";
  p.author.id = author;
  p.author.links = std::move(links);
  return p;
}

/// Commits one mention of `p` for `tenant`, annotated by `dir`, at `at_ms`.
mention_record commit_one(store& db, person_directory& dir, const std::string& tenant, const post& p, int64_t at_ms) {
  auto appended = db.append_posts(std::span<const post>(&p, 1), at_ms, "vendor");
  EXPECT_TRUE(appended.ok());
  mention_record m;
  m.tenant = tenant;
  m.topic = "brand";
  m.post_offset = appended->first_offset;
  m.matched_at_ms = at_ms;
  dir.annotate(m, p);
  std::vector<mention_record> ms{m};
  EXPECT_TRUE(db.commit_matches(db.next_post_offset(), ms).ok());
  return ms.front();
}

std::vector<uint64_t> history(store& db, person_directory& dir, const std::string& tenant, const std::string& author,
                              int64_t since = 0, size_t limit = 100) {
  auto members = dir.person(tenant, author).members;
  auto r = db.author_mentions(tenant, members, since, limit);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : std::vector<uint64_t>{};
}

TEST(PersonDirectory, PersonsAndHistorySurviveAReopen) {
  temp_dir dir;
  {
    auto db = open_store(dir.str());
    ASSERT_TRUE(db);
    person_directory persons(*db);
    ASSERT_TRUE(persons.load().ok());
    auto m0 = commit_one(*db, persons, "acme", authored("vk", "123"), 1000);
    EXPECT_EQ(m0.person_id, "vk:123");
    auto m1 = commit_one(*db, persons, "acme", authored("telegram", "555", {"vk:123"}), 2000);
    EXPECT_EQ(m1.person_id, "telegram:555");
    EXPECT_EQ(m1.new_links, (std::vector<author_graph::pair>{{"telegram:555", "vk:123"}}));
    auto m2 = commit_one(*db, persons, "acme", authored("crm", "8812"), 3000);
    EXPECT_EQ(m2.person_id, "crm:8812");
    // Another tenant sees none of acme's links.
    auto other = commit_one(*db, persons, "globex", authored("vk", "123"), 3500);
    EXPECT_EQ(other.person_id, "vk:123");
    // An admin merges crm:8812 in: the history reads every member id, newest first.
    auto merged = persons.link("acme", "crm:8812", "vk:123");
    ASSERT_TRUE(merged.ok());
    EXPECT_EQ(merged->person_id, "crm:8812");
    EXPECT_EQ(history(*db, persons, "acme", "telegram:555"), (std::vector<uint64_t>{m2.offset, m1.offset, m0.offset}));
    EXPECT_EQ(history(*db, persons, "acme", "vk:123", 2000), (std::vector<uint64_t>{m2.offset, m1.offset}));
    EXPECT_EQ(history(*db, persons, "acme", "vk:123", 0, 1), (std::vector<uint64_t>{m2.offset}));
    EXPECT_EQ(history(*db, persons, "globex", "vk:123"), (std::vector<uint64_t>{other.offset}));
    // The mention keeps the person it had when it matched.
    auto stored = db->read_mention("acme", m1.offset);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->person_id, "telegram:555");
  }
  {
    auto db = open_store(dir.str());
    ASSERT_TRUE(db);
    person_directory persons(*db);
    ASSERT_TRUE(persons.load().ok());
    EXPECT_EQ(persons.person("acme", "telegram:555").members,
              (std::vector<std::string>{"crm:8812", "telegram:555", "vk:123"}));
    EXPECT_EQ(persons.person("globex", "vk:123").members, std::vector<std::string>{"vk:123"});
    EXPECT_EQ(history(*db, persons, "acme", "crm:8812").size(), 3u);
    // A split: vk:123 leaves; the others are no longer linked either (it was the hub).
    auto split = persons.unlink("acme", "vk:123", "");
    ASSERT_TRUE(split.ok());
    EXPECT_EQ(split->members, std::vector<std::string>{"vk:123"});
    EXPECT_EQ(history(*db, persons, "acme", "telegram:555").size(), 1u);
    // A post carrying the removed link again does not undo the split.
    auto again = commit_one(*db, persons, "acme", authored("telegram", "555", {"vk:123", "tg:1"}), 4000);
    EXPECT_EQ(again.person_id, "telegram:555");
    EXPECT_EQ(again.new_links, (std::vector<author_graph::pair>{{"telegram:555", "tg:1"}}));
    EXPECT_EQ(persons.person("acme", "tg:1").person_id, "telegram:555");
  }
  {
    auto db = open_store(dir.str());
    ASSERT_TRUE(db);
    person_directory persons(*db);
    ASSERT_TRUE(persons.load().ok());
    EXPECT_EQ(persons.person("acme", "vk:123").members, std::vector<std::string>{"vk:123"});
    EXPECT_EQ(persons.person("acme", "tg:1").members, (std::vector<std::string>{"telegram:555", "tg:1"}));
    EXPECT_EQ(persons.person("acme", "crm:8812").members, std::vector<std::string>{"crm:8812"});
  }
}

TEST(PersonDirectory, BadIdsAreRefusedWithAReason) {
  temp_dir dir;
  auto db = open_store(dir.str());
  ASSERT_TRUE(db);
  person_directory persons(*db);
  for (const char* bad : {"", "nocolon", ":1", "VK:1", "vk:", "vk:a\nb"}) {
    auto r = persons.link("acme", bad, "vk:1");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), status_code::invalid_argument) << bad;
    EXPECT_NE(r.error().message().find("author id"), std::string::npos) << r.error().message();
  }
  EXPECT_FALSE(persons.link("acme", "vk:1", "vk:1").ok());
  // A post's bad link is skipped, never fatal; a good one beside it counts.
  mention_record m;
  m.tenant = "acme";
  persons.annotate(m, authored("vk", "1", {"bad", "tg:2"}));
  EXPECT_EQ(m.person_id, "tg:2");
  // A post without an author has no person.
  mention_record none;
  none.tenant = "acme";
  post p;
  p.source = "vk";
  persons.annotate(none, p);
  EXPECT_TRUE(none.person_id.empty());
  EXPECT_TRUE(none.author.empty());
}

}  // namespace
}  // namespace sito::server
