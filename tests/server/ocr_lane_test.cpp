// sitod's OCR lane on its own, with a registered fake backend that takes a
// fixed time per image: the shed policy (drop-oldest by count and by bytes,
// stale, shutdown), the per-post image cap, per-image failures, and that
// offer() never blocks.
#include "ocr_lane.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "sito/enrich/ocr_registry.hpp"

namespace sito::server {
namespace {

using namespace std::chrono_literals;

/// Reads an image's bytes as its text after `delay`; an image starting with
/// 'X' fails.
class slow_backend final : public enrich::ocr_backend {
 public:
  explicit slow_backend(std::chrono::milliseconds delay) : delay_(delay) {}
  std::string_view name() const override { return "slow"; }
  void recognize(std::span<const enrich::image_input> images, std::vector<enrich::ocr_result>& out) override {
    out.assign(images.size(), enrich::ocr_result{});
    for (size_t i = 0; i < images.size(); ++i) {
      std::this_thread::sleep_for(delay_);
      if (!images[i].bytes.empty() && images[i].bytes[0] == 'X') {
        out[i].error = invalid_argument("image: bad");
        continue;
      }
      out[i].text.assign(images[i].bytes.begin(), images[i].bytes.end());
    }
  }

 private:
  std::chrono::milliseconds delay_;
};

void register_slow() {
  static std::once_flag once;
  std::call_once(once, [] {
    enrich::register_ocr_backend("slow-test", -1, [](const enrich::ocr_options&) -> result<std::unique_ptr<enrich::ocr_backend>> {
      return std::unique_ptr<enrich::ocr_backend>(new slow_backend(40ms));
    });
  });
}

ocr_job job(uint64_t offset, std::vector<std::string> images) {
  ocr_job j;
  j.post_offset = offset;
  j.p.id = "p" + std::to_string(offset);
  for (auto& s : images) j.p.images.push_back({"", std::vector<uint8_t>(s.begin(), s.end())});
  return j;
}

struct recorder {
  std::mutex mutex;
  std::vector<std::pair<uint64_t, std::string>> done;  ///< (post offset, OCR text)
  ocr_lane::done_fn fn() {
    return [this](ocr_job& j, std::string text) {
      EXPECT_TRUE(j.p.images.empty()) << "the bytes are released before the callback";
      std::lock_guard lock(mutex);
      done.emplace_back(j.post_offset, std::move(text));
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return done.size();
  }
};

ocr_config config() {
  register_slow();
  ocr_config c;
  c.backend = "slow-test";
  c.workers = 1;
  c.queue_posts = 3;
  c.drain_ms = 10'000;
  return c;
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

TEST(OcrLane, DropsTheOldestWhenFullAndNeverBlocks) {
  ocr_metrics m;
  recorder r;
  ocr_lane lane(config(), m, r.fn());
  lane.start();
  ASSERT_TRUE(lane.offer(job(0, {"a"})));
  ASSERT_TRUE(wait_for([&] { return lane.depth() == 0; }));  // the worker holds post 0
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= 6; ++i) EXPECT_TRUE(lane.offer(job(i, {"t" + std::to_string(i)})));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30ms) << "offer() must not wait for OCR";
  EXPECT_EQ(lane.depth(), 3u);
  EXPECT_EQ(m.shed_queue_full, 3u);  // posts 1, 2, 3 evicted by 4, 5, 6
  ASSERT_TRUE(wait_for([&] { return r.size() == 4; }));
  lane.stop();
  std::vector<uint64_t> order;
  for (const auto& [off, text] : r.done) order.push_back(off);
  EXPECT_EQ(order, (std::vector<uint64_t>{0, 4, 5, 6}));
  EXPECT_EQ(r.done[1].second, "t4");
  EXPECT_EQ(m.posts_queued, 7u);
  EXPECT_EQ(m.posts_done, 4u);
  EXPECT_EQ(m.queue_posts, 0u);
}

TEST(OcrLane, BoundsQueuedBytes) {
  auto c = config();
  c.queue_posts = 100;
  c.queue_bytes = 10;
  ocr_metrics m;
  recorder r;
  ocr_lane lane(c, m, r.fn());  // not started: everything stays queued
  EXPECT_TRUE(lane.offer(job(0, {"aaaa"})));
  EXPECT_TRUE(lane.offer(job(1, {"bbbb"})));
  EXPECT_EQ(m.queue_bytes, 8u);
  EXPECT_TRUE(lane.offer(job(2, {"cccc"})));  // 12 > 10: post 0 goes
  EXPECT_EQ(lane.depth(), 2u);
  EXPECT_EQ(m.queue_bytes, 8u);
  EXPECT_EQ(m.shed_queue_full, 1u);
  EXPECT_FALSE(lane.offer(job(3, {"01234567890"})));  // larger than the whole budget
  EXPECT_EQ(m.shed_queue_full, 2u);
  lane.stop();
  EXPECT_EQ(m.shed_shutdown, 2u);
  EXPECT_FALSE(lane.offer(job(4, {"x"})));
}

TEST(OcrLane, ShedsStalePostsAndCapsImagesPerPost) {
  auto c = config();
  c.max_age_ms = 60;
  c.max_images_per_post = 2;
  c.queue_posts = 10;
  ocr_metrics m;
  recorder r;
  ocr_lane lane(c, m, r.fn());
  lane.start();
  // Post 0 has 3 images (2 read: 80 ms; one fails); posts 1 and 2 wait past 60 ms.
  ASSERT_TRUE(lane.offer(job(0, {"hello", "Xbad", "skipped"})));
  ASSERT_TRUE(wait_for([&] { return lane.depth() == 0; }));
  ASSERT_TRUE(lane.offer(job(1, {"late"})));
  ASSERT_TRUE(lane.offer(job(2, {"later"})));
  ASSERT_TRUE(wait_for([&] { return m.shed_stale + m.posts_done == 3; }));
  lane.stop();
  EXPECT_EQ(m.shed_stale, 2u);
  EXPECT_EQ(m.images_skipped, 1u);
  EXPECT_EQ(m.images_failed, 1u);
  EXPECT_EQ(m.images_read, 1u);
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(r.done[0].second, "hello");
}

TEST(OcrLane, StopDrainsWithinItsDeadlineAndCountsTheRest) {
  auto c = config();
  c.queue_posts = 100;
  c.drain_ms = 100;  // ~2 posts of 40 ms
  ocr_metrics m;
  recorder r;
  ocr_lane lane(c, m, r.fn());
  lane.start();
  for (uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(lane.offer(job(i, {"p"})));
  const auto t0 = std::chrono::steady_clock::now();
  lane.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(m.posts_done + m.shed_shutdown, 20u);
  EXPECT_GE(m.shed_shutdown, 10u);
  EXPECT_EQ(m.queue_posts, 0u);
}

TEST(OcrLane, MissingBackendIsCountedNotFatal) {
  ocr_config c;
  c.backend = "no-such-backend";
  c.workers = 1;
  ocr_metrics m;
  recorder r;
  ocr_lane lane(c, m, r.fn());
  lane.start();
  ASSERT_TRUE(lane.offer(job(0, {"a"})));
  ASSERT_TRUE(lane.offer(job(1, {"b"})));
  ASSERT_TRUE(wait_for([&] { return m.backend_unavailable == 2; }));
  lane.stop();
  EXPECT_EQ(r.size(), 0u);
}

}  // namespace
}  // namespace sito::server
