// End-to-end over loopback: an in-process sitod with N generated topics, one
// producer and one subscriber (the client library), the fortunes-ru corpus.
//   e2e_bench [--topics N] [--posts N] [--batch N] [--rate POSTS_PER_S] [--sync 0|1]
// Prints one JSON line: acknowledged ingest rate, ingest→subscriber latency
// percentiles (from the mention's ingested_at to its arrival), upsert-to-visible.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

#include "sito/client/client.hpp"
#include "sito/server/server.hpp"
#include "support/workload.hpp"

namespace {

using namespace std::chrono;
using namespace sito;

int64_t now_ms() { return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count(); }

double percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return double(v[std::min(v.size() - 1, size_t(p * double(v.size() - 1)))]);
}

}  // namespace

int main(int argc, char** argv) {
  size_t topics_n = 10000, posts_n = 20000, batch = 1000;
  double rate = 0;  // 0: saturation
  bool sync = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--topics") topics_n = std::stoul(v);
    else if (k == "--posts") posts_n = std::stoul(v);
    else if (k == "--batch") batch = std::stoul(v);
    else if (k == "--rate") rate = std::stod(v);
    else if (k == "--sync") sync = v == "1";
  }
  const auto dir = std::filesystem::temp_directory_path() / ("sito-e2e-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  server::server_config cfg;
  cfg.listen_port = 0;
  cfg.http_enabled = false;
  cfg.data_dir = dir.string();
  cfg.sync_writes = sync;
  cfg.tenants.push_back({"bench",
                         {{server::sha256_hex("p"), server::role::producer},
                          {server::sha256_hex("s"), server::role::subscriber},
                          {server::sha256_hex("a"), server::role::admin}},
                         ""});
  auto srv = server::sitod::create(cfg);
  if (!srv.ok() || !(*srv)->start().ok()) return 1;
  const uint16_t port = (*srv)->port();
  auto opts = [&](const char* token, client::role r) {
    client::connection_options o;
    o.port = port;
    o.token = token;
    o.as = r;
    o.timeout = seconds(600);
    return o;
  };

  auto corpus = bench::fortune_posts();
  auto vocab = bench::vocabulary(corpus);
  auto topics = bench::make_topics(topics_n, vocab, 42);
  for (auto& t : topics) t.tenant = "bench";
  auto admin = client::connection::open(opts("a", client::role::admin));
  if (!admin.ok()) return 1;
  auto t0 = steady_clock::now();
  for (size_t b = 0; b < topics.size(); b += 10000) {  // frames stay under max_frame_bytes
    std::vector<topic_spec> chunk(topics.begin() + b, topics.begin() + std::min(topics.size(), b + 10000));
    auto r = (*admin)->upsert_topics(chunk);
    if (!r.ok()) {
      std::fprintf(stderr, "upsert failed: %s\n", r.error().message().c_str());
      return 1;
    }
  }
  // Steady state: wait until the background merge has folded the delta in.
  for (int i = 0; i < 600; ++i) {
    auto st = (*admin)->stats();
    bool merged = false;
    if (st.ok())
      for (auto& [k, v] : *st) merged = merged || (k == "delta_topics" && v == 0);
    if (merged) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  const double load_s = duration<double>(steady_clock::now() - t0).count();

  std::vector<post> posts;
  for (size_t i = 0; i < posts_n; ++i) {
    post p = corpus[i % corpus.size()];
    p.id = "e" + std::to_string(i);
    posts.push_back(std::move(p));
  }

  // Subscriber: records arrival latency per mention.
  std::vector<int64_t> latencies;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> received{0};
  client::subscriber sub(opts("s", client::role::subscriber), {.name = "bench", .topics = {}, .start = client::start_from::latest, .credit = 100000});
  (void)sub.next(milliseconds(10));
  std::thread reader([&] {
    while (!done) {
      auto b = sub.next(milliseconds(200));
      if (!b.ok()) continue;
      const int64_t arrived = now_ms();
      for (const auto& m : *b) latencies.push_back(arrived - m.ingested_at_ms);
      received += b->size();
    }
  });

  auto producer = client::connection::open(opts("p", client::role::producer));
  if (!producer.ok()) return 1;
  t0 = steady_clock::now();
  for (size_t b = 0; b < posts.size(); b += batch) {
    std::vector<post> chunk(posts.begin() + b, posts.begin() + std::min(posts.size(), b + batch));
    if (rate > 0) {
      const auto due = t0 + duration_cast<steady_clock::duration>(duration<double>(double(b) / rate));
      std::this_thread::sleep_until(due);
    }
    if (!(*producer)->publish(chunk).ok()) return 1;
  }
  const double ingest_s = duration<double>(steady_clock::now() - t0).count();
  (*srv)->wait_until_matched();
  const double matched_s = duration<double>(steady_clock::now() - t0).count();
  std::this_thread::sleep_for(milliseconds(1500));
  done = true;
  reader.join();

  // Upsert-to-visible: one topic changed with N loaded, until the swap is done.
  t0 = steady_clock::now();
  topic_spec changed = topics[0];
  changed.query = "совсем новый запрос";
  auto up = (*admin)->upsert_topics({changed});
  const double upsert_ms = duration<double, std::milli>(steady_clock::now() - t0).count();

  std::printf(
      "{\"topics\":%zu,\"posts\":%zu,\"batch\":%zu,\"offered_rate\":%.0f,\"sync\":%d,\"topic_load_s\":%.2f,"
      "\"ack_rate_posts_s\":%.0f,\"match_rate_posts_s\":%.0f,\"mentions\":%llu,"
      "\"latency_ms_p50\":%.0f,\"latency_ms_p99\":%.0f,\"latency_ms_p999\":%.0f,\"upsert_visible_ms\":%.0f,\"upsert_ok\":%d}\n",
      topics_n, posts_n, batch, rate, sync ? 1 : 0, load_s, double(posts_n) / ingest_s, double(posts_n) / matched_s,
      static_cast<unsigned long long>(received.load()), percentile(latencies, 0.5), percentile(latencies, 0.99),
      percentile(latencies, 0.999), upsert_ms, up.ok() ? 1 : 0);
  (*srv)->stop();
  std::filesystem::remove_all(dir);
  return 0;
}
