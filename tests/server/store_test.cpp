// Tests of sito::server::store: the post log, the mention logs, committed
// offsets, topics, retention, concurrency, and durability across kill -9.
#include "sito/server/store.hpp"

#include "post_identity.hpp"
#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sito::server {
namespace {

namespace fs = std::filesystem;
using test::temp_dir;


/// prefix + n (a helper: GCC 12 warns falsely on `"lit" + std::to_string(n)` at -O3).
std::string numbered(std::string_view prefix, uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

post make_post(uint64_t seq, size_t text_bytes = 0) {
  post p;
  p.id = "p" + std::to_string(seq);
  p.source = "vk";
  p.source_type = "social";
  p.channel = "chan" + std::to_string(seq % 3);
  p.title = "title " + std::to_string(seq);
  p.text = "text of post " + std::to_string(seq);
  if (text_bytes > p.text.size()) p.text.append(text_bytes - p.text.size(), 'x');
  p.published_at = 1700000000 + static_cast<int64_t>(seq);
  return p;
}

std::unique_ptr<store> open_store(const std::string& path, store_options o = {}) {
  o.path = path;
  auto r = store::open(o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

mention_record make_mention(const std::string& tenant, uint64_t post_offset, int64_t matched_at,
                            const std::string& topic = "brand") {
  mention_record m;
  m.tenant = tenant;
  m.topic = topic;
  m.post_offset = post_offset;
  m.ingested_at_ms = matched_at;
  m.matched_at_ms = matched_at;
  m.snapshot_version = 7;
  m.highlights.push_back({"text", 0, 4, "text"});
  return m;
}

std::vector<mention_record> all_mentions(const store& s, const std::string& tenant) {
  std::vector<mention_record> out;
  EXPECT_TRUE(s.read_mentions(tenant, 0, 1u << 30, out).ok());
  return out;
}

TEST(Store, OcrTextReplacesImageBytesAndByteCappedReads) {
  temp_dir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  std::vector<post> posts{make_post(0), make_post(1), make_post(2)};
  for (auto& p : posts) {
    p.images.push_back({"image/png", std::vector<uint8_t>(100'000, 7)});
    p.image_count = 1;
  }
  ASSERT_TRUE(s->append_posts(posts, 1000, "acme").ok());
  const uint64_t before = s->stored_bytes();
  std::vector<stored_post> out;
  ASSERT_TRUE(s->read_posts(0, 100, out, 150'000).ok());
  EXPECT_EQ(out.size(), 2u) << "stops once 150 kB were read";
  out.clear();
  ASSERT_TRUE(s->read_posts(0, 100, out, 1).ok());
  ASSERT_EQ(out.size(), 1u) << "always at least one post";
  EXPECT_EQ(out[0].p.images.size(), 1u);

  ASSERT_TRUE(s->set_post_image_text(1, "Flowwow").ok());
  auto p1 = s->read_post(1);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->p.image_text, "Flowwow");
  EXPECT_TRUE(p1->p.images.empty());
  EXPECT_EQ(p1->p.image_count, 1u);
  EXPECT_EQ(p1->p.text, make_post(1).text);
  EXPECT_EQ(p1->ingested_at_ms, 1000);
  EXPECT_EQ(p1->producer_tenant, "acme");
  EXPECT_LT(s->stored_bytes(), before - 90'000) << "the dropped bytes leave the size estimate";
  EXPECT_EQ(s->set_post_image_text(9, "x").code(), status_code::not_found);
}

// ---- idempotent ingest ------------------------------------------------------

TEST(PostIdentity, TheStoredHashNeverChanges) {
  // Dedup keys and fingerprints on disk were written with these values; a
  // store from an older build must keep recognising its posts.
  const std::pair<std::string, uint64_t> pinned[] = {
      {std::string(), 0x38f8d38675ee135bull},
      {"a", 0xda97986e71ba7572ull},
      {"abc", 0xa49a46e0a8170b59ull},
      {"abcd", 0x608edbda7d909f0eull},
      {"abcdefgh", 0x63352c01235a6ec3ull},
      {"abcdefghijklmnop", 0x35b1840374984c71ull},
      {"abcdefghijklmnopq", 0x9da63556a133cceeull},
      {"0123456789abcdef0123456789abcdef0123456789", 0x2a7b2287fff0eea2ull}};
  for (const auto& [bytes, value] : pinned) EXPECT_EQ(detail::stored_hash(bytes), value) << bytes;
  post p;
  p.source = "vk";
  p.id = "post-1";
  const std::string key = detail::dedup_key("tenant", p);
  ASSERT_EQ(key.size(), 8u + 16u);  // tenant \0 vk \0 post-1
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) prefix = prefix << 8 | static_cast<unsigned char>(key[i]);
  EXPECT_EQ(prefix, 0x5d384fbea99004ecull);
}

TEST(PostIdentity, TheFingerprintCoversWhatMatchingReadsAndNotTheCounters) {
  const post base = make_post(1);
  const uint64_t f = detail::content_fingerprint(base);
  EXPECT_EQ(detail::content_fingerprint(make_post(1)), f);
  const std::vector<std::pair<const char*, void (*)(post&)>> content = {
      {"title", [](post& p) { p.title += "!"; }},
      {"text", [](post& p) { p.text += "!"; }},
      {"text moved into title", [](post& p) { p.title += p.text; p.text.clear(); }},
      {"image_text", [](post& p) { p.image_text = "x"; }},
      {"image bytes", [](post& p) { p.images.push_back({"image/png", {1, 2, 3}}); }},
      {"image_count", [](post& p) { p.image_count = 1; }},
      {"lang", [](post& p) { p.lang = "ru"; }},
      {"source_type", [](post& p) { p.source_type = "review"; }},
      {"channel", [](post& p) { p.channel = "other"; }},
      {"place", [](post& p) { p.place = "group"; }},
      {"url", [](post& p) { p.url = "https://x"; }},
      {"author.id", [](post& p) { p.author.id = "a"; }},
      {"author.handle", [](post& p) { p.author.handle = "a"; }},
      {"author.name", [](post& p) { p.author.name = "a"; }},
      {"author.gender", [](post& p) { p.author.gender = "f"; }},
      {"author.country", [](post& p) { p.author.country = "RU"; }},
      {"author.city", [](post& p) { p.author.city = "Moscow"; }},
      {"published_at", [](post& p) { ++p.published_at; }},
      {"parent_id", [](post& p) { p.parent_id = "p0"; }},
      {"is_repost", [](post& p) { p.is_repost = true; }},
  };
  for (const auto& [what, change] : content) {
    post p = base;
    change(p);
    EXPECT_NE(detail::content_fingerprint(p), f) << what << " is content";
  }
  const std::vector<std::pair<const char*, void (*)(post&)>> counters = {
      {"reach", [](post& p) { p.reach = 5; }},
      {"engagement", [](post& p) { p.engagement = 5; }},
      {"author.followers", [](post& p) { p.author.followers = 5; }},
      {"author.verified", [](post& p) { p.author.verified = true; }},
  };
  for (const auto& [what, change] : counters) {
    post p = base;
    change(p);
    EXPECT_EQ(detail::content_fingerprint(p), f) << what << " is a counter, not content";
  }
  // The key separates its parts: ("ab", "c") and ("a", "bc") differ.
  post x = base, y = base;
  x.source = "ab";
  x.id = "c";
  y.source = "a";
  y.id = "bc";
  EXPECT_NE(detail::dedup_key("acme", x), detail::dedup_key("acme", y));
}

TEST(StoreDedup, ReSentPostsAreDuplicatesAcrossBatchesWithinABatchAndAfterReopen) {
  temp_dir dir;
  {
    auto s = open_store(dir.str());
    ASSERT_TRUE(s);
    std::vector<post> a{make_post(0), make_post(1), make_post(2)};
    auto r = s->append_posts(a, 1000, "acme");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stored, 3u);
    EXPECT_TRUE(r->duplicates.empty());
    // A producer re-sends from post 1 on, with one new post and one twice.
    std::vector<post> b{make_post(1), make_post(2), make_post(3), make_post(3)};
    b[0].reach = 999;  // counters are not content: still a duplicate
    r = s->append_posts(b, 2000, "acme");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->duplicates, (std::vector<uint32_t>{0, 1, 3}));
    EXPECT_EQ(r->stored, 1u);
    EXPECT_EQ(r->first_offset, 3u);
    EXPECT_EQ(s->next_post_offset(), 4u);
    // The same id from another tenant's producer, or from another source, is another post.
    std::vector<post> c{make_post(0)};
    r = s->append_posts(c, 2000, "beta");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stored, 1u);
    c[0].source = "telegram";
    r = s->append_posts(c, 2000, "acme");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stored, 1u);
    EXPECT_EQ(s->next_post_offset(), 6u);
  }
  // The ids are durable with the posts: after a restart nothing is stored twice.
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  std::vector<post> all{make_post(0), make_post(1), make_post(2), make_post(3)};
  auto r = s->append_posts(all, 3000, "acme");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates.size(), 4u);
  EXPECT_EQ(r->stored, 0u);
  EXPECT_EQ(s->next_post_offset(), 6u);
}

TEST(StoreDedup, AnEditIsStoredWithTheOffsetItReplaces) {
  temp_dir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  std::vector<post> v1{make_post(0), make_post(1)};
  ASSERT_TRUE(s->append_posts(v1, 1000, "acme").ok());
  post edited = make_post(1);
  edited.text += " (edited)";
  std::vector<post> v2{edited, edited};  // sent twice: the second is a duplicate of the edit
  auto r = s->append_posts(v2, 2000, "acme");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stored, 1u);
  EXPECT_EQ(r->edits, 1u);
  EXPECT_EQ(r->duplicates, (std::vector<uint32_t>{1}));
  auto stored = s->read_post(2);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->p.text, edited.text);
  ASSERT_TRUE(stored->replaces.has_value());
  EXPECT_EQ(*stored->replaces, 1u);
  EXPECT_FALSE(s->read_post(0)->replaces.has_value());
  // The original re-sent after the edit is an edit back, replacing the edit.
  std::vector<post> v3{make_post(1)};
  r = s->append_posts(v3, 3000, "acme");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->edits, 1u);
  EXPECT_EQ(*s->read_post(3)->replaces, 2u);
}

TEST(StoreDedup, OutsideTheWindowAPostIsNewAndAZeroWindowTurnsTheCheckOff) {
  temp_dir dir;
  {
    auto s = open_store(dir.str(), store_options{.dedup_window_ms = 10'000});
    ASSERT_TRUE(s);
    std::vector<post> a{make_post(0)};
    ASSERT_EQ(s->append_posts(a, 1000, "acme")->stored, 1u);
    EXPECT_EQ(s->append_posts(a, 11'000, "acme")->stored, 0u);  // at the window's edge: still a duplicate
    auto r = s->append_posts(a, 11'001, "acme");
    EXPECT_EQ(r->stored, 1u);
    EXPECT_EQ(r->edits, 0u);
  }
  auto s = open_store(dir.str(), store_options{.dedup_window_ms = 0});
  ASSERT_TRUE(s);
  std::vector<post> a{make_post(0), make_post(0)};
  EXPECT_EQ(s->append_posts(a, 12'000, "acme")->stored, 2u);
}

TEST(StoreDedup, AgreesWithAPlainModelOnRandomReSends) {
  // The reference: a map from (tenant, source, id) to the offset, content and
  // time of the version last stored; a post is a duplicate when the entry is
  // within the window and its content is the same, an edit when the content
  // differs. Reopened halfway, so the model also checks durability.
  temp_dir dir;
  const int64_t window = 10'000;
  struct entry {
    uint64_t offset;
    std::string content;
    int64_t at;
  };
  std::map<std::string, entry> model;
  uint64_t next = 0;
  std::mt19937_64 rng(20261129);
  int64_t now = 1000;
  size_t duplicates = 0, edits = 0;
  auto s = open_store(dir.str(), store_options{.dedup_window_ms = window});
  ASSERT_TRUE(s);
  for (int round = 0; round < 300; ++round) {
    if (round == 150) {
      s.reset();
      s = open_store(dir.str(), store_options{.dedup_window_ms = window});
      ASSERT_TRUE(s);
    }
    now += static_cast<int64_t>(rng() % 1500);
    std::vector<post> batch;
    const std::string tenant = rng() % 4 == 0 ? "beta" : "acme";
    for (size_t k = rng() % 6; k > 0; --k) {
      post p = make_post(rng() % 12);
      p.source = rng() % 5 == 0 ? "telegram" : "vk";
      p.title = "version " + std::to_string(rng() % 3);
      p.engagement = static_cast<int64_t>(rng() % 100);
      batch.push_back(p);
    }
    std::vector<uint32_t> want_dups;
    std::vector<std::optional<uint64_t>> want_replaces;
    for (uint32_t i = 0; i < batch.size(); ++i) {
      const post& p = batch[i];
      const std::string key = tenant + "|" + p.source + "|" + p.id;
      const std::string content = p.title + "|" + p.text;
      auto it = model.find(key);
      const bool live = it != model.end() && it->second.at >= now - window;
      if (live && it->second.content == content) {
        want_dups.push_back(i);
        continue;
      }
      want_replaces.push_back(live ? std::optional<uint64_t>(it->second.offset) : std::nullopt);
      model[key] = {next++, content, now};
    }
    auto r = s->append_posts(batch, now, tenant);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->duplicates, want_dups) << "round " << round;
    ASSERT_EQ(r->stored, want_replaces.size());
    duplicates += want_dups.size();
    for (size_t k = 0; k < want_replaces.size(); ++k) {
      auto sp = s->read_post(r->first_offset + k);
      ASSERT_TRUE(sp.ok());
      ASSERT_EQ(sp->replaces, want_replaces[k]) << "round " << round;
      edits += want_replaces[k].has_value();
    }
    ASSERT_EQ(s->next_post_offset(), next);
  }
  // The generator must exercise every outcome.
  EXPECT_GT(duplicates, 50u);
  EXPECT_GT(edits, 50u);
}

// A full disk: writes fail with `unavailable` and store nothing, health()
// says why, reads go on, and the store takes writes again by itself once
// space is back; after a reopen exactly the acknowledged records are there.
/// A store whose writes fail on demand (store_faults).
class StoreFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    store_options o;
    o.faults = faults;
    s = open_store(dir.str(), o);
    ASSERT_NE(s, nullptr);
  }
  temp_dir dir;
  std::shared_ptr<store_faults> faults = std::make_shared<store_faults>();
  std::unique_ptr<store> s;
};

/// Space came back: try_resume() reopens the database; true once it could
/// write again, within `limit`.
bool writable_within(store& s, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!s.try_resume()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

TEST_F(StoreFaults, ADiskFullFailsWritesStoresNothingAndTheStoreResumes) {
  std::vector<post> first{make_post(1), make_post(2), make_post(3)};
  ASSERT_TRUE(s->append_posts(first, 1000, "acme").ok());
  EXPECT_TRUE(s->health().ok);

  faults->disk_full = true;
  std::vector<post> refused{make_post(4), make_post(5)};
  auto r = s->append_posts(refused, 1001, "acme");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::unavailable) << r.error().to_string();
  EXPECT_NE(r.error().message().find("append posts"), std::string::npos) << r.error().message();
  EXPECT_EQ(s->next_post_offset(), 3u);
  store_health h = s->health();
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.reason.find("No space"), std::string::npos) << h.reason;
  EXPECT_GT(h.since_ms, 0);
  EXPECT_GE(h.write_errors, 1u);
  // Every kind of write fails while the disk is full; reads go on.
  std::vector<mention_record> ms{make_mention("acme", 0, 1000)};
  EXPECT_EQ(s->commit_matches(3, ms).code(), status_code::unavailable);
  EXPECT_EQ(s->matched_watermark(), 0u);
  EXPECT_FALSE(s->commit_offset("acme", "bot", 1).ok());
  topic_spec t;
  t.tenant = "acme";
  t.id = "brand";
  t.query = "sito";
  EXPECT_FALSE(s->put_topic(t).ok());
  std::vector<stored_post> read;
  ASSERT_TRUE(s->read_posts(0, 10, read).ok());
  EXPECT_EQ(read.size(), 3u);
  EXPECT_FALSE(s->try_resume());  // still full
  EXPECT_FALSE(s->health().ok);

  // Space is back: RocksDB resumes, and the re-sent posts are new (nothing
  // of the refused batch was stored, not even its ids).
  faults->disk_full = false;
  ASSERT_TRUE(writable_within(*s, std::chrono::seconds(30)));
  auto again = s->append_posts(refused, 1002, "acme");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->stored, 2u);
  EXPECT_TRUE(again->duplicates.empty());
  EXPECT_EQ(again->first_offset, 3u);
  EXPECT_TRUE(s->health().ok);
  EXPECT_TRUE(s->health().reason.empty());
  ASSERT_TRUE(s->commit_matches(5, ms).ok());
  ASSERT_TRUE(s->put_topic(t).ok());

  s.reset();
  s = open_store(dir.str());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->next_post_offset(), 5u);
  EXPECT_EQ(s->matched_watermark(), 5u);
  read.clear();
  ASSERT_TRUE(s->read_posts(0, 10, read).ok());
  ASSERT_EQ(read.size(), 5u);
  for (size_t i = 0; i < read.size(); ++i) EXPECT_EQ(read[i].p.id, "p" + std::to_string(i + 1));
  EXPECT_EQ(all_mentions(*s, "acme").size(), 1u);
  EXPECT_EQ(s->topics("acme").value().size(), 1u);
}

// Topic changes are one write each: a full disk stores or deletes none of
// a batch, and delete_topics names the ids that did not exist.
TEST_F(StoreFaults, TopicChangesAreAllOrNothing) {
  auto topic = [](const std::string& id) {
    topic_spec t;
    t.tenant = "acme";
    t.id = id;
    t.query = id;
    return t;
  };
  const std::vector<topic_spec> first{topic("a"), topic("b")}, second{topic("c"), topic("d")};
  ASSERT_TRUE(s->put_topics(first).ok());
  faults->disk_full = true;
  EXPECT_EQ(s->put_topics(second).code(), status_code::unavailable);
  const std::vector<std::string> both{"a", "b"};
  EXPECT_FALSE(s->delete_topics("acme", both).ok());
  faults->disk_full = false;
  ASSERT_TRUE(writable_within(*s, std::chrono::seconds(30)));
  auto ids = [&] {
    std::vector<std::string> out;
    const auto topics = s->topics("acme");
    for (const auto& t : topics.value()) out.push_back(t.id);
    return out;
  };
  EXPECT_EQ(ids(), both);
  const std::vector<std::string> some{"a", "zz"};
  auto missing = s->delete_topics("acme", some);
  ASSERT_TRUE(missing.ok()) << missing.error().to_string();
  EXPECT_EQ(*missing, std::vector<std::string>{"zz"});
  EXPECT_EQ(ids(), std::vector<std::string>{"b"});
}

// Without any write, the store comes back once space returns (the server
// calls try_resume() on a timer, so /health recovers without a producer).
TEST_F(StoreFaults, TryResumeRecoversWithoutAWrite) {
  EXPECT_TRUE(s->try_resume());  // healthy: nothing to do
  faults->disk_full = true;
  std::vector<post> ps{make_post(1)};
  ASSERT_FALSE(s->append_posts(ps, 1000, "acme").ok());
  EXPECT_FALSE(s->try_resume());
  EXPECT_FALSE(s->health().ok);
  faults->disk_full = false;
  ASSERT_TRUE(writable_within(*s, std::chrono::seconds(30)));
  EXPECT_TRUE(s->health().ok);
  EXPECT_GE(s->health().write_errors, 1u);
  ASSERT_TRUE(s->append_posts(ps, 1001, "acme").ok());
  EXPECT_EQ(s->next_post_offset(), 1u);
}

TEST(Store, AppendAndReadInOrder) {
  temp_dir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->next_post_offset(), 0u);
  EXPECT_EQ(s->first_post_offset(), 0u);

  std::vector<post> a{make_post(0), make_post(1), make_post(2)};
  auto first = s->append_posts(a, 1000, "acme");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->first_offset, 0u);
  std::vector<post> b{make_post(3), make_post(4)};
  first = s->append_posts(b, 2000, "beta");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->first_offset, 3u);
  EXPECT_EQ(s->next_post_offset(), 5u);
  // An empty append writes nothing and reports the next offset.
  first = s->append_posts({}, 3000, "acme");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->first_offset, 5u);

  std::vector<stored_post> out;
  ASSERT_TRUE(s->read_posts(0, 100, out).ok());
  ASSERT_EQ(out.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(out[i].offset, i);
    EXPECT_EQ(out[i].p.id, "p" + std::to_string(i));
    EXPECT_EQ(out[i].p.text, make_post(i).text);
    EXPECT_EQ(out[i].ingested_at_ms, i < 3 ? 1000 : 2000);
    EXPECT_EQ(out[i].producer_tenant, i < 3 ? "acme" : "beta");
  }
  out.clear();
  ASSERT_TRUE(s->read_posts(2, 2, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].offset, 2u);
  EXPECT_EQ(out[1].offset, 3u);
  out.clear();
  ASSERT_TRUE(s->read_posts(5, 10, out).ok());
  EXPECT_TRUE(out.empty());

  auto one = s->read_post(4);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->p.id, "p4");
  EXPECT_EQ(one->offset, 4u);
  auto missing = s->read_post(5);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), status_code::not_found);
}

TEST(Store, ReopenRestoresEveryCounter) {
  temp_dir dir;
  {
    auto s = open_store(dir.str());
    ASSERT_TRUE(s);
    std::vector<post> ps;
    for (uint64_t i = 0; i < 10; ++i) ps.push_back(make_post(i));
    ASSERT_TRUE(s->append_posts(ps, 1000, "acme").ok());
    std::vector<mention_record> ms{make_mention("acme", 0, 10), make_mention("beta", 1, 11),
                                   make_mention("acme", 2, 12)};
    ASSERT_TRUE(s->commit_matches(6, ms).ok());
    ASSERT_TRUE(s->commit_offset("acme", "alerts", 2).ok());
    ASSERT_TRUE(s->commit_offset("beta", "alerts", 1).ok());
    topic_spec t{"acme", "brand", "Brand", "flowwow", {"otzovik:flowwow"}, {"acct"}};
    ASSERT_TRUE(s->put_topic(t).ok());
  }
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->next_post_offset(), 10u);
  EXPECT_EQ(s->first_post_offset(), 0u);
  EXPECT_EQ(s->matched_watermark(), 6u);
  EXPECT_EQ(s->next_mention_offset("acme"), 2u);
  EXPECT_EQ(s->next_mention_offset("beta"), 1u);
  EXPECT_EQ(s->next_mention_offset("gamma"), 0u);
  EXPECT_EQ(s->first_mention_offset("acme"), 0u);
  EXPECT_EQ(s->committed_offset("acme", "alerts"), std::optional<uint64_t>(2));
  EXPECT_EQ(s->committed_offset("beta", "alerts"), std::optional<uint64_t>(1));
  EXPECT_EQ(s->committed_offset("acme", "other"), std::nullopt);
  EXPECT_GT(s->stored_bytes(), 0u);
  auto ts = s->topics("acme").value();
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].id, "brand");
  EXPECT_EQ(ts[0].query, "flowwow");
  EXPECT_EQ(ts[0].tenant, "acme");

  // The counters go on where they stopped.
  std::vector<post> more{make_post(10)};
  auto first = s->append_posts(more, 2000, "acme");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->first_offset, 10u);
  std::vector<mention_record> ms{make_mention("acme", 7, 20)};
  ASSERT_TRUE(s->commit_matches(8, ms).ok());
  EXPECT_EQ(ms[0].offset, 2u);
  auto acme = all_mentions(*s, "acme");
  ASSERT_EQ(acme.size(), 3u);
  EXPECT_EQ(acme[2].post_offset, 7u);
}

TEST(Store, CommitMatchesIsGapFreePerTenant) {
  temp_dir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  std::vector<post> ps;
  for (uint64_t i = 0; i < 20; ++i) ps.push_back(make_post(i));
  ASSERT_TRUE(s->append_posts(ps, 1000, "acme").ok());

  std::map<std::string, std::vector<uint64_t>> expect_posts;
  uint64_t wm = 0;
  for (int round = 0; round < 4; ++round) {
    std::vector<mention_record> ms;
    for (uint64_t p = wm; p < wm + 5; ++p) ms.push_back(make_mention(p % 2 ? "acme" : "beta", p, 100 + p));
    ASSERT_TRUE(s->commit_matches(wm + 5, ms).ok());
    for (const auto& m : ms) {
      auto& v = expect_posts[m.tenant];
      EXPECT_EQ(m.offset, v.size()) << m.tenant;  // assigned in order, no gaps
      v.push_back(m.post_offset);
    }
    wm += 5;
    EXPECT_EQ(s->matched_watermark(), wm);
  }
  for (const auto& [tenant, posts] : expect_posts) {
    EXPECT_EQ(s->next_mention_offset(tenant), posts.size());
    auto got = all_mentions(*s, tenant);
    ASSERT_EQ(got.size(), posts.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].offset, i);
      EXPECT_EQ(got[i].tenant, tenant);
      EXPECT_EQ(got[i].topic, "brand");
      EXPECT_EQ(got[i].post_offset, posts[i]);
      EXPECT_EQ(got[i].matched_at_ms, static_cast<int64_t>(100 + posts[i]));
    }
    std::vector<mention_record> part;
    ASSERT_TRUE(s->read_mentions(tenant, 3, 4, part).ok());
    ASSERT_EQ(part.size(), 4u);
    EXPECT_EQ(part[0].offset, 3u);
  }

  // A watermark commit without mentions; then preconditions.
  ASSERT_TRUE(s->commit_matches(20, {}).ok());
  EXPECT_EQ(s->matched_watermark(), 20u);
  std::vector<mention_record> late{make_mention("acme", 1, 1)};
  auto st = s->commit_matches(19, late);
  EXPECT_EQ(st.code(), status_code::failed_precondition);
  st = s->commit_matches(21, late);
  EXPECT_EQ(st.code(), status_code::failed_precondition);
  EXPECT_EQ(s->next_mention_offset("acme"), 10u);  // nothing was written

  // Backfill mentions take offsets but leave the watermark alone.
  std::vector<mention_record> backfill{make_mention("acme", 3, 500), make_mention("acme", 4, 501)};
  backfill[0].backfill = backfill[1].backfill = true;
  ASSERT_TRUE(s->append_mentions(backfill).ok());
  EXPECT_EQ(backfill[0].offset, 10u);
  EXPECT_EQ(backfill[1].offset, 11u);
  EXPECT_EQ(s->matched_watermark(), 20u);
  auto got = all_mentions(*s, "acme");
  ASSERT_EQ(got.size(), 12u);
  EXPECT_TRUE(got[11].backfill);

  // A mention without a tenant is refused.
  std::vector<mention_record> bad{make_mention("", 1, 1)};
  EXPECT_EQ(s->append_mentions(bad).code(), status_code::invalid_argument);
}

TEST(Store, MentionOffsetAt) {
  temp_dir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  auto none = s->mention_offset_at("acme", 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);

  std::vector<mention_record> ms;
  for (int i = 0; i < 10; ++i) ms.push_back(make_mention("acme", static_cast<uint64_t>(i), 100 * (i + 1)));
  ms.push_back(make_mention("beta", 0, 5));
  ASSERT_TRUE(s->append_mentions(ms).ok());  // acme: 0..9 at 100..1000

  auto at = [&](int64_t t) {
    auto r = s->mention_offset_at("acme", t);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ~0ull;
  };
  EXPECT_EQ(at(0), 0u);
  EXPECT_EQ(at(100), 0u);
  EXPECT_EQ(at(101), 1u);
  EXPECT_EQ(at(250), 2u);
  EXPECT_EQ(at(300), 2u);
  EXPECT_EQ(at(1000), 9u);
  EXPECT_EQ(at(1001), 10u);  // none at or after: next_mention_offset
  EXPECT_EQ(*s->mention_offset_at("beta", 6), 1u);
  EXPECT_EQ(*s->mention_offset_at("gamma", 6), 0u);
}

TEST(Store, TopicsPutListDeleteAndIsolation) {
  temp_dir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  topic_spec a1{"acme", "brand", "Brand", "flowwow OR фловвов", {"otzovik:flowwow"}, {}};
  topic_spec a2{"acme", "rivals", "Rivals", "rival", {}, {"acme_official"}};
  topic_spec b1{"beta", "brand", "Beta brand", "beta", {}, {}};
  ASSERT_TRUE(s->put_topic(a1).ok());
  ASSERT_TRUE(s->put_topic(a2).ok());
  ASSERT_TRUE(s->put_topic(b1).ok());

  auto acme = s->topics("acme").value();
  ASSERT_EQ(acme.size(), 2u);
  EXPECT_EQ(acme[0].id, "brand");
  EXPECT_EQ(acme[0].query, "flowwow OR фловвов");
  EXPECT_EQ(acme[0].channels, std::vector<std::string>{"otzovik:flowwow"});
  EXPECT_EQ(acme[1].id, "rivals");
  EXPECT_EQ(acme[1].own_accounts, std::vector<std::string>{"acme_official"});
  for (const auto& t : acme) EXPECT_EQ(t.tenant, "acme");
  auto beta = s->topics("beta").value();
  ASSERT_EQ(beta.size(), 1u);
  EXPECT_EQ(beta[0].query, "beta");
  EXPECT_EQ(beta[0].tenant, "beta");
  EXPECT_TRUE(s->topics("gamma").value().empty());
  // A tenant that is a prefix of another sees nothing of it.
  EXPECT_TRUE(s->topics("acm").value().empty());
  EXPECT_EQ(s->all_topics().value().size(), 3u);

  // Upsert replaces.
  a1.query = "flowwow";
  ASSERT_TRUE(s->put_topic(a1).ok());
  acme = s->topics("acme").value();
  ASSERT_EQ(acme.size(), 2u);
  EXPECT_EQ(acme[0].query, "flowwow");

  // Delete: only within the tenant; absent → not_found.
  EXPECT_EQ(s->delete_topic("beta", "rivals").code(), status_code::not_found);
  ASSERT_TRUE(s->delete_topic("acme", "rivals").ok());
  EXPECT_EQ(s->delete_topic("acme", "rivals").code(), status_code::not_found);
  EXPECT_EQ(s->topics("acme").value().size(), 1u);
  EXPECT_EQ(s->topics("beta").value().size(), 1u);

  topic_spec no_tenant{"", "x", "", "x", {}, {}};
  EXPECT_EQ(s->put_topic(no_tenant).code(), status_code::invalid_argument);

  s.reset();
  s = open_store(dir.str());
  ASSERT_TRUE(s);
  ASSERT_EQ(s->topics("acme").value().size(), 1u);
  EXPECT_EQ(s->topics("acme").value()[0].query, "flowwow");
  EXPECT_EQ(s->all_topics().value().size(), 2u);
}

TEST(Store, RetentionByAgeKeepsUnmatchedPosts) {
  temp_dir dir;
  store_options o;
  o.retention_ms = 2000;
  auto s = open_store(dir.str(), o);
  ASSERT_TRUE(s);
  std::vector<post> old_posts, new_posts;
  for (uint64_t i = 0; i < 10; ++i) old_posts.push_back(make_post(i));
  for (uint64_t i = 10; i < 20; ++i) new_posts.push_back(make_post(i));
  ASSERT_TRUE(s->append_posts(old_posts, 1000, "acme").ok());
  ASSERT_TRUE(s->append_posts(new_posts, 5000, "acme").ok());
  // Only posts 0..4 are matched: 5..9 are old but must stay.
  std::vector<mention_record> ms;
  for (uint64_t p = 0; p < 5; ++p) ms.push_back(make_mention("acme", p, 1000));
  ASSERT_TRUE(s->commit_matches(5, ms).ok());
  std::vector<mention_record> fresh{make_mention("acme", 11, 5000), make_mention("beta", 12, 5000)};
  ASSERT_TRUE(s->append_mentions(fresh).ok());
  const uint64_t before = s->stored_bytes();

  auto gone = s->apply_retention(6000);  // cutoff 4000
  ASSERT_TRUE(gone.ok()) << gone.error().to_string();
  EXPECT_EQ(*gone, 5u + 5u);  // posts 0..4, acme mentions 0..4
  EXPECT_EQ(s->first_post_offset(), 5u);
  EXPECT_EQ(s->read_post(4).error().code(), status_code::not_found);
  EXPECT_TRUE(s->read_post(5).ok());
  EXPECT_EQ(s->first_mention_offset("acme"), 5u);
  EXPECT_EQ(s->next_mention_offset("acme"), 6u);
  EXPECT_EQ(s->first_mention_offset("beta"), 0u);
  auto acme = all_mentions(*s, "acme");
  ASSERT_EQ(acme.size(), 1u);
  EXPECT_EQ(acme[0].offset, 5u);
  EXPECT_LT(s->stored_bytes(), before);
  std::vector<stored_post> out;
  ASSERT_TRUE(s->read_posts(0, 100, out).ok());
  ASSERT_EQ(out.size(), 15u);
  EXPECT_EQ(out.front().offset, 5u);
  auto at = s->mention_offset_at("acme", 0);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 5u);

  // Once matched, the rest of the old posts go; nothing new expires.
  ASSERT_TRUE(s->commit_matches(20, {}).ok());
  gone = s->apply_retention(6000);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, 5u);
  EXPECT_EQ(s->first_post_offset(), 10u);
  gone = s->apply_retention(6000);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, 0u);

  // Reopen keeps the retained window and the byte count.
  const uint64_t bytes = s->stored_bytes();
  s.reset();
  s = open_store(dir.str(), o);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first_post_offset(), 10u);
  EXPECT_EQ(s->next_post_offset(), 20u);
  EXPECT_EQ(s->first_mention_offset("acme"), 5u);
  EXPECT_EQ(s->next_mention_offset("acme"), 6u);
  EXPECT_EQ(s->stored_bytes(), bytes);
}

TEST(Store, RetentionBySizeDropsOldestButNeverUnmatched) {
  temp_dir dir;
  store_options o;
  o.retention_bytes = 5000;
  auto s = open_store(dir.str(), o);
  ASSERT_TRUE(s);
  for (uint64_t i = 0; i < 100; ++i) {
    std::vector<post> one{make_post(i, 200)};
    ASSERT_TRUE(s->append_posts(one, static_cast<int64_t>(1000 + i), "acme").ok());
  }
  EXPECT_GT(s->stored_bytes(), 20000u);
  ASSERT_TRUE(s->commit_matches(60, {}).ok());

  auto gone = s->apply_retention(2000);
  ASSERT_TRUE(gone.ok()) << gone.error().to_string();
  EXPECT_EQ(*gone, 60u);  // stopped by the watermark, still over the limit
  EXPECT_EQ(s->first_post_offset(), 60u);
  EXPECT_GT(s->stored_bytes(), 5000u);
  for (uint64_t i = 60; i < 100; ++i) EXPECT_TRUE(s->read_post(i).ok()) << i;

  // With everything matched (and mentions in the log), the oldest of both go.
  std::vector<mention_record> ms;
  for (uint64_t p = 60; p < 100; ++p) ms.push_back(make_mention("acme", p, static_cast<int64_t>(1000 + p)));
  ASSERT_TRUE(s->commit_matches(100, ms).ok());
  gone = s->apply_retention(2000);
  ASSERT_TRUE(gone.ok());
  EXPECT_GT(*gone, 0u);
  EXPECT_LE(s->stored_bytes(), 5000u);
  EXPECT_GT(s->first_post_offset(), 60u);
  EXPECT_LT(s->first_post_offset(), 100u);
  EXPECT_GT(s->first_mention_offset("acme"), 0u);
  EXPECT_TRUE(s->read_post(99).ok());
  // Oldest first across both logs: the cuts are close in time.
  auto first_mention = all_mentions(*s, "acme").front();
  int64_t post_time = s->read_post(s->first_post_offset())->ingested_at_ms;
  EXPECT_LE(std::abs(post_time - first_mention.matched_at_ms), 2);
  EXPECT_EQ(first_mention.offset, s->first_mention_offset("acme"));

  // New data after retention still gets the right offsets.
  std::vector<post> more{make_post(100)};
  EXPECT_EQ(s->append_posts(more, 3000, "acme")->first_offset, 100u);
}

TEST(Store, ConcurrentAppendsGetUniqueContiguousOffsets) {
  temp_dir dir;
  store_options o;
  o.sync_writes = false;  // the ordering is under test here, not fsync
  auto s = open_store(dir.str(), o);
  ASSERT_TRUE(s);
  constexpr int threads = 4, batches = 50, per_batch = 3;
  struct ack {
    uint64_t first;
    int thread;
    int batch;
  };
  std::vector<std::vector<ack>> acks(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int b = 0; b < batches; ++b) {
        std::vector<post> ps;
        for (int i = 0; i < per_batch; ++i)
          ps.push_back(make_post(static_cast<uint64_t>((t * batches + b) * per_batch + i)));
        auto r = s->append_posts(ps, 1000, numbered("t", static_cast<uint64_t>(t)));
        ASSERT_TRUE(r.ok());
        acks[static_cast<size_t>(t)].push_back({r->first_offset, t, b});
      }
    });
  }
  for (auto& w : workers) w.join();
  std::vector<ack> all;
  for (auto& v : acks) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end(), [](const ack& x, const ack& y) { return x.first < y.first; });
  ASSERT_EQ(all.size(), static_cast<size_t>(threads * batches));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].first, i * per_batch);
  EXPECT_EQ(s->next_post_offset(), static_cast<uint64_t>(threads * batches * per_batch));
  for (const auto& a : all) {
    for (int i = 0; i < per_batch; ++i) {
      auto p = s->read_post(a.first + static_cast<uint64_t>(i));
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(p->p.id, "p" + std::to_string((a.thread * batches + a.batch) * per_batch + i));
      EXPECT_EQ(p->producer_tenant, "t" + std::to_string(a.thread));
    }
  }
}

// ---- crash tests ---------------------------------------------------------------
//
// The writer runs in a child process that is killed with SIGKILL while it
// works. The child is fork()ed and then exec()s this test binary again
// (selecting the same test, with SITO_STORE_CRASH_* in its environment): a
// plain fork of a process that has RocksDB's background threads running could
// inherit a lock held by one of them. The re-executed binary runs the writer
// loop from a gtest Environment before any test, and never returns.

struct append_ack {
  uint64_t first;
  uint64_t count;
  uint64_t seq;  ///< the content sequence number of the first post
};

std::string tenant_of(uint64_t post_offset) { return post_offset % 3 == 0 ? "acme" : "beta"; }
size_t text_size_of(uint64_t seq) { return 50 + seq % 300; }

void write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(4);
    p += n;
    size -= static_cast<size_t>(n);
  }
}

/// Appends batches forever, acking each after append_posts returned.
[[noreturn]] void append_child(const std::string& path, int fd, uint64_t seq) {
  auto st = store::open(store_options{.path = path});
  if (!st.ok()) ::_exit(2);
  for (uint64_t k = 0;; ++k) {
    const uint64_t n = 1 + k % 17;
    std::vector<post> batch;
    for (uint64_t i = 0; i < n; ++i) batch.push_back(make_post(seq + i, text_size_of(seq + i)));
    auto first = (*st)->append_posts(batch, static_cast<int64_t>(seq), "acme");
    if (!first.ok()) ::_exit(3);
    append_ack a{first->first_offset, n, seq};
    write_all(fd, &a, sizeof a);
    seq += n;
  }
}

/// Matches forever: one mention per post from the watermark, committed with it.
[[noreturn]] void commit_child(const std::string& path, int fd) {
  auto st = store::open(store_options{.path = path});
  if (!st.ok()) ::_exit(2);
  auto& s = **st;
  for (uint64_t k = 0;; ++k) {
    const uint64_t wm = s.matched_watermark();
    if (wm == s.next_post_offset()) {
      std::vector<post> ps;
      for (uint64_t i = 0; i < 100; ++i) ps.push_back(make_post(wm + i));
      if (!s.append_posts(ps, 1000, "acme").ok()) ::_exit(3);
    }
    std::vector<stored_post> batch;
    if (!s.read_posts(wm, 1 + k % 13, batch).ok() || batch.empty()) ::_exit(5);
    std::vector<mention_record> ms;
    for (const auto& p : batch) ms.push_back(make_mention(tenant_of(p.offset), p.offset, static_cast<int64_t>(p.offset)));
    if (!s.commit_matches(batch.back().offset + 1, ms).ok()) ::_exit(6);
    uint64_t acked = batch.back().offset + 1;
    write_all(fd, &acked, sizeof acked);
  }
}

class crash_child_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* mode = std::getenv("SITO_STORE_CRASH_MODE");
    if (mode == nullptr) return;
    const std::string path = std::getenv("SITO_STORE_CRASH_PATH");
    const int fd = std::atoi(std::getenv("SITO_STORE_CRASH_FD"));
    const uint64_t seq = std::strtoull(std::getenv("SITO_STORE_CRASH_SEQ"), nullptr, 10);
    if (std::string(mode) == "append") append_child(path, fd, seq);
    if (std::string(mode) == "commit") commit_child(path, fd);
    ::_exit(7);
  }
};
[[maybe_unused]] ::testing::Environment* const crash_child_env =
    ::testing::AddGlobalTestEnvironment(new crash_child_environment);

/// Reads fixed-size records from `fd` until `deadline` (or EOF when none).
template <typename T>
void read_records(int fd, std::vector<T>& out, std::string& partial,
                  std::optional<std::chrono::steady_clock::time_point> deadline,
                  size_t stop_at = std::numeric_limits<size_t>::max()) {
  char buf[4096];
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd pfd{fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, timeout_ms);
    if (r == 0) return;
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EOF: the writer is gone
    partial.append(buf, static_cast<size_t>(n));
    while (partial.size() >= sizeof(T)) {
      T rec;
      std::memcpy(&rec, partial.data(), sizeof(T));
      out.push_back(rec);
      partial.erase(0, sizeof(T));
    }
    if (out.size() >= stop_at) return;
  }
}

/// Starts the writer `mode` in a child, collects its acks for `run_for` after
/// the first one, kill -9s it, and collects whatever it acked before dying.
template <typename T>
[[gnu::noinline]] std::vector<T> run_and_kill(const std::string& mode, const std::string& path, uint64_t seq,
                            std::chrono::milliseconds run_for) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  // Everything the child needs is built before fork(): after it, only
  // async-signal-safe calls.
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string filter = std::string("--gtest_filter=") + info->test_suite_name() + "." + info->name();
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back("SITO_STORE_CRASH_MODE=" + mode);
  env_strings.push_back("SITO_STORE_CRASH_PATH=" + path);
  env_strings.push_back("SITO_STORE_CRASH_FD=" + std::to_string(fds[1]));
  env_strings.push_back("SITO_STORE_CRASH_SEQ=" + std::to_string(seq));
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  char* argv[] = {exe.data(), filter.data(), nullptr};

  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);  // keep gtest's banner out of the log
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  EXPECT_GT(pid, 0);
  ::close(fds[1]);
  std::vector<T> out;
  std::string partial;
  // Wait for the first ack (the child has to start and open the store), then run_for more.
  read_records(fds[0], out, partial, std::chrono::steady_clock::now() + std::chrono::seconds(20), 1);
  if (!out.empty()) read_records(fds[0], out, partial, std::chrono::steady_clock::now() + run_for);
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "the child stopped on its own, status " << wstatus;
  read_records(fds[0], out, partial, std::nullopt);  // acks written before the kill count too
  ::close(fds[0]);
  return out;
}

TEST(Store, CrashAcknowledgedPostsSurviveKill9) {
  temp_dir dir;
  const std::string path = dir.str();
  uint64_t next_seq = 0;
  size_t total_acks = 0;
  std::vector<append_ack> acks;  // outside the loop: GCC 12 -Wuse-after-free misfires otherwise
  for (int round = 0; round < 3; ++round) {
    acks = run_and_kill<append_ack>("append", path, next_seq, std::chrono::milliseconds(300));
    total_acks += acks.size();
    ASSERT_FALSE(acks.empty()) << "round " << round;

    auto s = open_store(path);
    ASSERT_TRUE(s);
    for (const auto& a : acks) {
      for (uint64_t i = 0; i < a.count; ++i) {
        auto p = s->read_post(a.first + i);
        ASSERT_TRUE(p.ok()) << "acknowledged post " << a.first + i << " lost: " << p.error().to_string();
        EXPECT_EQ(p->p.id, numbered("p", a.seq + i));
        EXPECT_EQ(p->p.text, make_post(a.seq + i, text_size_of(a.seq + i)).text);
        EXPECT_EQ(p->ingested_at_ms, static_cast<int64_t>(a.seq));
        EXPECT_EQ(p->producer_tenant, "acme");
      }
    }
    const auto& last = acks.back();
    EXPECT_GE(s->next_post_offset(), last.first + last.count);
    // Offsets stay dense: every offset below next holds a post.
    std::vector<stored_post> all;
    ASSERT_TRUE(s->read_posts(0, 1u << 30, all).ok());
    ASSERT_EQ(all.size(), s->next_post_offset());
    for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].offset, i);
    // The next round's content continues past whatever made it to disk.
    next_seq = last.seq + last.count + 1000000;
  }
  std::printf("[ crash    ] %zu acknowledged append batches over 3 kill -9 rounds, none lost\n", total_acks);
}

TEST(Store, CrashCommitMatchesIsAtomic) {
  temp_dir dir;
  const std::string path = dir.str();
  {
    auto s = open_store(path);
    ASSERT_TRUE(s);
    std::vector<post> ps;
    for (uint64_t i = 0; i < 500; ++i) ps.push_back(make_post(i));
    ASSERT_TRUE(s->append_posts(ps, 1000, "acme").ok());
  }
  size_t total_acks = 0;
  std::vector<uint64_t> acks;  // outside the loop: GCC 12 -Wuse-after-free misfires otherwise
  for (int round = 0; round < 3; ++round) {
    acks = run_and_kill<uint64_t>("commit", path, 0, std::chrono::milliseconds(300));
    total_acks += acks.size();
    ASSERT_FALSE(acks.empty()) << "round " << round;

    auto s = open_store(path);
    ASSERT_TRUE(s);
    const uint64_t wm = s->matched_watermark();
    EXPECT_GE(wm, acks.back());
    EXPECT_LE(wm, s->next_post_offset());
    std::vector<int> seen(wm, 0);
    for (const std::string tenant : {"acme", "beta"}) {
      auto ms = all_mentions(*s, tenant);
      EXPECT_EQ(ms.size(), s->next_mention_offset(tenant));
      for (size_t i = 0; i < ms.size(); ++i) {
        ASSERT_EQ(ms[i].offset, i) << tenant << ": gap in the mention log";
        ASSERT_LT(ms[i].post_offset, wm) << tenant << ": mention past the watermark";
        EXPECT_EQ(tenant_of(ms[i].post_offset), tenant);
        ++seen[ms[i].post_offset];
      }
    }
    for (uint64_t p = 0; p < wm; ++p) ASSERT_EQ(seen[p], 1) << "post " << p << " matched " << seen[p] << " times";
  }
  std::printf("[ crash    ] %zu acknowledged commit_matches over 3 kill -9 rounds, exactly-once held\n",
              total_acks);
}

}  // namespace
}  // namespace sito::server
