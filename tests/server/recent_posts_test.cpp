// The matcher's recent posts, kept for delivery (server/src/recent_posts.hpp):
// lookups against a map of what was added, across batches, for posts not
// kept, and after the budget drops the oldest batches.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "recent_posts.hpp"

namespace sito::server {
namespace {

/// A batch of posts at offsets first, first + step, ...; every `skip`-th one not kept.
std::shared_ptr<recent_posts::batch> make_batch(uint64_t first, size_t n, uint64_t step, size_t skip,
                                                std::map<uint64_t, std::string>& kept) {
  auto b = std::make_shared<recent_posts::batch>();
  for (size_t i = 0; i < n; ++i) {
    const uint64_t off = first + i * step;
    post p;
    p.id = "p" + std::to_string(off);
    p.text = std::string(100, 'x');
    const bool keep = skip == 0 || i % skip != 0;
    b->offsets.push_back(off);
    b->posts.push_back(std::move(p));
    b->present.push_back(keep ? 1 : 0);
    if (keep) kept[off] = "p" + std::to_string(off);
  }
  return b;
}

TEST(RecentPosts, FindsWhatWasKeptAndNothingElse) {
  recent_posts recent(1u << 30);
  std::map<uint64_t, std::string> kept;
  recent.add(make_batch(10, 50, 1, 7, kept));   // 10..59, every 7th not kept
  recent.add(make_batch(60, 40, 2, 0, kept));   // 60, 62, ..., 138: gaps inside
  recent.add(make_batch(200, 5, 1, 0, kept));   // a gap between batches
  const auto v = recent.view();
  ASSERT_EQ(v.size(), 3u);
  for (uint64_t off = 0; off < 260; ++off) {
    const post* p = recent_posts::find(v, off);
    auto it = kept.find(off);
    if (it == kept.end()) {
      EXPECT_EQ(p, nullptr) << off;
    } else {
      ASSERT_NE(p, nullptr) << off;
      EXPECT_EQ(p->id, it->second);
    }
  }
}

TEST(RecentPosts, TheBudgetDropsTheOldestBatchesButAViewKeepsItsOwn) {
  std::map<uint64_t, std::string> kept;
  // Each batch holds about 100 posts of 100-odd bytes: the budget keeps two or three.
  recent_posts recent(3 * 100 * (100 + 8 + sizeof(post)));
  recent.add(make_batch(0, 100, 1, 0, kept));
  const auto old_view = recent.view();
  for (uint64_t b = 1; b < 10; ++b) recent.add(make_batch(b * 100, 100, 1, 0, kept));
  const auto v = recent.view();
  EXPECT_LT(v.size(), 4u);
  EXPECT_GE(v.size(), 1u);
  EXPECT_EQ(recent_posts::find(v, 5), nullptr) << "the first batch is gone";
  ASSERT_NE(recent_posts::find(v, 999), nullptr) << "the last one is kept";
  EXPECT_EQ(recent_posts::find(v, 999)->id, "p999");
  ASSERT_NE(recent_posts::find(old_view, 5), nullptr) << "a view taken before still holds its batches";
  EXPECT_EQ(recent_posts::find(old_view, 5)->id, "p5");
}

TEST(RecentPosts, ImagesCountAgainstTheBudget) {
  // With OCR off, posts keep their images: a batch of pictures fills the
  // budget as its bytes say, not as its text does.
  recent_posts recent(1u << 20);
  std::map<uint64_t, std::string> kept;
  auto pictures = make_batch(0, 4, 1, 0, kept);
  for (post& p : pictures->posts) p.images.push_back({"image/png", std::vector<uint8_t>(512u << 10, 7)});
  recent.add(pictures);
  recent.add(make_batch(4, 4, 1, 0, kept));
  const auto v = recent.view();
  ASSERT_EQ(v.size(), 1u) << "2 MiB of images are over a 1 MiB budget";
  EXPECT_EQ(recent_posts::find(v, 0), nullptr);
  EXPECT_NE(recent_posts::find(v, 5), nullptr);
}

TEST(RecentPosts, AnEmptyCacheFindsNothing) {
  recent_posts recent(1024);
  EXPECT_EQ(recent_posts::find(recent.view(), 0), nullptr);
  recent.add(nullptr);
  recent.add(std::make_shared<recent_posts::batch>());
  EXPECT_TRUE(recent.view().empty());
}

}  // namespace
}  // namespace sito::server
