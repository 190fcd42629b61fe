// sitod's OCR lane end to end on loopback: a brand only in a post's picture
// becomes a from_image mention with an `image` highlight into the delivered
// post's image_text; a post with 50 large images does not delay the text
// mentions of the posts behind it; overload sheds by policy and counts;
// per-tenant switch; hostile images fail alone.
#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "enrich/ocr_test_support.hpp"
#include "sito/client/client.hpp"
#include "sito/server/server.hpp"
#include "support/prerequisite.hpp"

namespace sito {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace et = sito::enrich::testing;

const std::string token_producer = "ocr-producer";
const std::string token_subscriber = "ocr-subscriber";
const std::string token_admin = "ocr-admin";
const std::string token_quiet_admin = "quiet-admin";
const std::string token_quiet_subscriber = "quiet-subscriber";

client::connection_options opts(uint16_t port, const std::string& token, client::role r) {
  client::connection_options o;
  o.port = port;
  o.token = token;
  o.as = r;
  o.timeout = 30s;
  return o;
}

/// GET http://127.0.0.1:port/metrics, the body.
std::string metrics(uint16_t port) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  net::write(s, net::buffer(req), ec);
  std::string out;
  char buf[8192];
  for (;;) {
    size_t n = s.read_some(net::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

/// The value of a metric line `name value` (name may include {labels}); -1 when absent.
int64_t metric(const std::string& text, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size()));
}

class SitodOcr : public ::testing::Test {
 protected:
  void SetUp() override {
    SITO_REQUIRE(et::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
    dir_ = fs::temp_directory_path() /
           ("sito-ocr-it-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    fs::remove_all(dir_);
  }
  server::server_config config() {
    server::server_config c;
    c.listen_port = 0;
    c.http_port = 0;
    c.data_dir = (dir_ / "data").string();
    c.sync_writes = false;
    c.ocr.languages = "rus+eng";
    c.ocr.workers = 1;
    c.tenants.push_back({"acme",
                         {{server::sha256_hex(token_producer), server::role::producer},
                          {server::sha256_hex(token_subscriber), server::role::subscriber},
                          {server::sha256_hex(token_admin), server::role::admin}},
                         ""});
    server::tenant_config quiet{"quiet",
                                {{server::sha256_hex(token_quiet_admin), server::role::admin},
                                 {server::sha256_hex(token_quiet_subscriber), server::role::subscriber}},
                                ""};
    quiet.ocr = false;
    c.tenants.push_back(quiet);
    return c;
  }
  void start(const server::server_config& c) {
    auto s = server::sitod::create(c);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    server_ = std::move(*s);
    ASSERT_TRUE(server_->start().ok());
  }
  std::unique_ptr<client::connection> connect(const std::string& token, client::role r) {
    auto c = client::connection::open(opts(server_->port(), token, r));
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return c.ok() ? std::move(*c) : nullptr;
  }
  /// Waits until `pred(metrics text)` holds or the deadline passes.
  bool wait_metrics(const std::function<bool(const std::string&)>& pred, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(metrics(server_->http_port()))) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  fs::path dir_;
  std::unique_ptr<server::sitod> server_;
};

post with_image(const std::string& id, const std::string& text, const std::vector<uint8_t>& img, size_t copies = 1) {
  post p;
  p.id = id;
  p.text = text;
  p.source = "instagram";
  for (size_t i = 0; i < copies; ++i) p.images.push_back({"image/jpeg", img});
  p.image_count = static_cast<uint32_t>(copies);
  return p;
}

TEST_F(SitodOcr, BrandOnlyInThePictureBecomesAFromImageMention) {
  start(config());
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "brand", "", "flowwow", {}, {}},
                                    {"acme", "gift", "", "подарок", {}, {}},
                                    {"acme", "mirror_img", "", "image:(зеркало)", {}, {}}})
                  .ok());
  auto quiet = connect(token_quiet_admin, client::role::admin);
  ASSERT_TRUE(quiet->upsert_topics({{"quiet", "brand", "", "flowwow", {}, {}}}).ok());

  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "all", .topics = {}, .start = client::start_from::offset});
  client::subscriber quiet_sub(opts(server_->port(), token_quiet_subscriber, client::role::subscriber),
                               {.name = "all", .topics = {}, .start = client::start_from::offset});

  auto img = et::render("Зеркало Flowwow на выставке", et::style::meme, "brand_meme", 700);
  ASSERT_FALSE(img.empty());
  auto producer = connect(token_producer, client::role::producer);
  auto ack = producer->publish({with_image("p1", "Какой подарок на выставке!", img)});
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  ASSERT_EQ(ack->accepted, 1u);

  std::map<std::string, client::mention> got;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(200ms);
    ASSERT_TRUE(batch.ok()) << batch.error().to_string();
    for (auto& m : *batch) got[m.topic] = m;
  }
  ASSERT_EQ(got.size(), 3u) << "expected gift (text), brand and mirror_img (picture)";
  // The text mention comes first, from the text pass, not marked.
  EXPECT_FALSE(got["gift"].from_image);
  EXPECT_LT(got["gift"].offset, got["brand"].offset);
  for (const char* topic : {"brand", "mirror_img"}) {
    const auto& m = got[topic];
    EXPECT_TRUE(m.from_image) << topic;
    ASSERT_FALSE(m.highlights.empty()) << topic;
    const auto& h = m.highlights[0];
    EXPECT_EQ(h.field, "image") << topic;
    ASSERT_LE(h.end, m.p.image_text.size()) << "the delivered post carries the OCR text: " << m.p.image_text;
    const std::string hit = m.p.image_text.substr(h.start, h.end - h.start);
    EXPECT_EQ(hit, std::string(topic) == "brand" ? "Flowwow" : "Зеркало") << m.p.image_text;
    EXPECT_TRUE(m.p.images.empty()) << "subscribers get the text, not the picture bytes";
    EXPECT_EQ(m.p.image_count, 1u);
  }
  // `quiet` switched OCR off: no mention from the picture.
  auto q = quiet_sub.next(1500ms);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->empty());
  const std::string text = metrics(server_->http_port());
  EXPECT_EQ(metric(text, "sito_ocr_posts_done_total"), 1) << text;
  EXPECT_EQ(metric(text, "sito_ocr_mentions_total"), 2);
  // Mentions from pictures go through the same sink as the text pass's:
  // counted in all, per topic, and in the tenant's aggregates.
  EXPECT_EQ(metric(text, "sito_mentions_committed_total"), 3) << text;
  for (const char* topic : {"gift", "brand", "mirror_img"})
    EXPECT_EQ(metric(text, "sito_topic_mentions_total{tenant=\"acme\",topic=\"" + std::string(topic) + "\"}"), 1)
        << topic << "\n" << text;
  auto stats = admin->full_stats();
  ASSERT_TRUE(stats.ok()) << stats.error().to_string();
  std::map<std::string, uint64_t> day;
  for (const auto& row : stats->aggregates)
    if (row.tag.empty()) day[row.topic] = row.day.total();
  EXPECT_EQ(day, (std::map<std::string, uint64_t>{{"brand", 1}, {"gift", 1}, {"mirror_img", 1}}));
}

TEST_F(SitodOcr, FiftyLargeImagesDoNotDelayTextMentionsBehindThem) {
  auto c = config();
  c.ocr.max_images_per_post = 8;
  c.max_frame_bytes = 64u << 20;
  start(c);
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "delivery", "", "доставка", {}, {}}}).ok());
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "all", .topics = {}, .start = client::start_from::offset});
  // 1600×1200 px, twelve lines of text on a plasma ground: ~180 KB of JPEG.
  // (caption: refuses text this long under Debian's ImageMagick policy.)
  const std::string big_path = et::scratch_dir() + "/big.jpg";
  std::vector<std::string> args = {"-seed", "7", "-size", "1600x1200", "plasma:#c8502a-#f0c040", "-font",
                                   "DejaVu-Sans-Bold", "-pointsize", "40", "-fill", "#fff6d0", "-stroke", "#202020"};
  for (int i = 0; i < 12; ++i)
    args.insert(args.end(), {"-annotate", "+40+" + std::to_string(80 + 95 * i),
                             "Строка рекламного текста номер " + std::to_string(i) + " про скидки"});
  args.insert(args.end(), {"-quality", "70", big_path});
  ASSERT_TRUE(et::run_convert(args));
  auto big = et::read_file(big_path);
  ASSERT_GT(big.size(), 100'000u);
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({with_image("heavy", "просто картинки", big, 50)}).ok());
  std::vector<post> behind;
  for (int i = 0; i < 20; ++i) {
    post p;
    p.id = "t" + std::to_string(i);
    p.text = "Доставка номер " + std::to_string(i);
    behind.push_back(p);
  }
  const auto published = std::chrono::steady_clock::now();
  ASSERT_TRUE(producer->publish(behind).ok());
  size_t seen = 0;
  while (seen < behind.size() && std::chrono::steady_clock::now() - published < 30s) {
    auto batch = sub.next(100ms);
    ASSERT_TRUE(batch.ok());
    seen += batch->size();
  }
  const auto took = std::chrono::steady_clock::now() - published;
  ASSERT_EQ(seen, behind.size());
  const std::string during = metrics(server_->http_port());
  // The text mentions arrived while the heavy post was still being read.
  EXPECT_EQ(metric(during, "sito_ocr_posts_done_total"), 0) << during;
  EXPECT_LT(took, 2s) << "text mentions waited for OCR";
  ASSERT_TRUE(wait_metrics([](const std::string& t) { return metric(t, "sito_ocr_posts_done_total") == 1; }, 120s));
  const std::string after = metrics(server_->http_port());
  EXPECT_EQ(metric(after, "sito_ocr_images_read_total"), 8);
  EXPECT_EQ(metric(after, "sito_ocr_images_skipped_total"), 42);
  std::printf("[ocr-e2e] 20 text mentions behind a 50-image post in %lld ms; OCR of 8 images took %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
              static_cast<long long>(metric(after, "sito_ocr_latency_ms_max")));
}

TEST_F(SitodOcr, OverloadShedsTheOldestAndCountsIt) {
  auto c = config();
  c.ocr.queue_posts = 2;
  start(c);
  auto img = et::render("Розыгрыш подарков", et::style::clean, "shed", 500);
  std::vector<post> posts;
  for (int i = 0; i < 12; ++i) posts.push_back(with_image("s" + std::to_string(i), "", img));
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(posts).ok());
  ASSERT_TRUE(wait_metrics(
      [](const std::string& t) {
        return metric(t, "sito_ocr_queue_posts") == 0 &&
               metric(t, "sito_ocr_posts_done_total") + metric(t, "sito_ocr_shed_total{reason=\"queue_full\"}") == 12;
      },
      60s));
  const std::string t = metrics(server_->http_port());
  EXPECT_GE(metric(t, "sito_ocr_shed_total{reason=\"queue_full\"}"), 1) << t;
  EXPECT_GE(metric(t, "sito_ocr_posts_done_total"), 2) << t;
  EXPECT_EQ(metric(t, "sito_ocr_posts_queued_total"), 12);
}

TEST_F(SitodOcr, HostileImagesFailAloneAndOcrCanBeSwitchedOff) {
  start(config());
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "gift", "", "подарок", {}, {}}}).ok());
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "all", .topics = {}, .start = client::start_from::offset});
  // A PNG header declaring 100000×100000 pixels, then zeros: a decompression bomb's shape.
  static constexpr uint8_t header[] = {0x89, 'P',  'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D',
                                       'R',  0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8, 2, 0, 0,  0};
  std::vector<uint8_t> bomb(200, 0);
  std::copy(std::begin(header), std::end(header), bomb.begin());
  post p = with_image("h", "подарок", bomb);
  p.images.push_back({"image/png", std::vector<uint8_t>(300, 0x41)});
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({p}).ok());
  ASSERT_TRUE(wait_metrics([](const std::string& t) { return metric(t, "sito_ocr_posts_done_total") == 1; }, 30s));
  const std::string t = metrics(server_->http_port());
  EXPECT_EQ(metric(t, "sito_ocr_images_failed_total"), 2) << t;
  auto got = sub.next(2s);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_FALSE((*got)[0].from_image);

  // Globally off: nothing is queued.
  server_->stop();
  server_.reset();
  auto c = config();
  c.ocr.enabled = false;
  c.data_dir = (dir_ / "data2").string();
  start(c);
  producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({with_image("off", "", bomb)}).ok());
  server_->wait_until_matched();
  const std::string off = metrics(server_->http_port());
  EXPECT_EQ(metric(off, "sito_ocr_enabled"), 0);
  EXPECT_EQ(metric(off, "sito_ocr_posts_queued_total"), 0);
}

}  // namespace
}  // namespace sito

namespace sito {
namespace {

TEST(OcrConfig, ParsesTheLaneAndTenantSwitches) {
  auto c = server::parse_config(R"(
limits: {max_images_per_post: 5, max_image_bytes: 1000}
ocr: {backend: cpu, workers: 3, queue_posts: 7, queue_bytes: 1024, max_images_per_post: 2, max_age_ms: 50,
      drain_ms: 10, languages: rus+eng, tessdata: /opt/tess}
tenants:
  - {name: a}
  - {name: b, ocr: false}
)");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_TRUE(c->ocr.enabled);
  EXPECT_EQ(c->ocr.backend, "cpu");
  EXPECT_EQ(c->ocr.workers, 3u);
  EXPECT_EQ(c->ocr.queue_posts, 7u);
  EXPECT_EQ(c->ocr.queue_bytes, 1024u);
  EXPECT_EQ(c->ocr.max_images_per_post, 2u);
  EXPECT_EQ(c->ocr.max_age_ms, 50);
  EXPECT_EQ(c->ocr.drain_ms, 10);
  EXPECT_EQ(c->ocr.languages, "rus+eng");
  EXPECT_EQ(c->ocr.tessdata_dir, "/opt/tess");
  EXPECT_EQ(c->max_images_per_post, 5u);
  EXPECT_EQ(c->max_image_bytes, 1000u);
  ASSERT_EQ(c->tenants.size(), 2u);
  EXPECT_TRUE(c->tenants[0].ocr);
  EXPECT_FALSE(c->tenants[1].ocr);

  auto off = server::parse_config("ocr: off\n");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->ocr.enabled);
  auto bad = server::parse_config("ocr: {backend: tpu}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("backend must be cpu, cuda or auto"), std::string::npos);
  EXPECT_FALSE(server::parse_config("ocr: {workers: 0}\n").ok());
}

}  // namespace
}  // namespace sito
