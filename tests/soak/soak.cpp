// sito_soak: sitod under load and faults for minutes (issue 14, DESIGN §7).
//
//   sito_soak --sitod build/server/sitod --minutes 30
//
// Runs a real sitod as a child process and, at once:
//   * producers at a fixed rate (--rate posts/s) that re-send a batch until
//     it is acknowledged, reconnecting after every failure (idempotent
//     ingest turns the re-sends of durable posts into duplicates);
//   * subscribers that commit as they go, disconnect at random and resume
//     from their committed offset, and one stalled subscriber that reads
//     nothing (credit 10) until the end;
//   * a topic upsert or delete every second (churn topics), and one new
//     topic with a backfill half-way through;
//   * kill -9 of sitod every --kill-every seconds (60), and a restart.
// At the end (producers stopped, everything matched, sitod stopped), from
// the store itself:
//   * every acknowledged post is in the post log exactly once, nothing else;
//   * the mentions of the stable topics are exactly the engine's for the
//     acknowledged posts, each once (post id, topic); the backfilled topic's
//     too, when no kill fell between its upsert and its backfill;
//   * every subscriber received every offset of the mention log, gap-free;
//     after a resume with no kill since its last commit, from exactly the
//     offset after that commit (no mention it committed came again);
//   * sitod's resident memory stayed under --rss-bound-mb, and once the
//     clients are gone it holds no socket but its two listeners.
// Prints one summary line and exits 0 when every check holds, 1 otherwise.
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sito/client/client.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/server/config.hpp"
#include "sito/server/store.hpp"
#include "support/corpus.hpp"
#include "support/http_get.hpp"
#include "support/sitod_child.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::string k_tenant = "soak";
const std::string k_producer = "soak-producer-token";
const std::string k_subscriber = "soak-subscriber-token";
const std::string k_admin = "soak-admin-token";

struct options {
  double minutes = 5;
  std::string sitod;
  fs::path dir;
  uint32_t rate = 500;        ///< posts per second, all producers together
  uint32_t producers = 2;
  uint32_t kill_every = 60;   ///< seconds; 0: never
  uint64_t rss_bound_mb = 1024;
  uint64_t seed = 1;
};

/// Everything that went wrong; the run fails when it is not empty.
class failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lk(mu_);
    if (list_.size() < 50) list_.push_back(what);
    ++count_;
  }
  size_t count() const {
    std::lock_guard lk(mu_);
    return count_;
  }
  void print() const {
    std::lock_guard lk(mu_);
    for (const auto& f : list_) std::cerr << "soak: FAIL: " << f << "\n";
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> list_;
  size_t count_ = 0;
};

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

using sito::testing::http_get;

/// sitod as a child process on fixed ports (clients reconnect to the same
/// ones across restarts): started, killed with -9, restarted, one log per life.
class sitod_child {
 public:
  sitod_child(const options& o)
      : o_(o), port_(free_port()), http_port_(free_port()), child_(o.sitod, o.dir / "sitod.yaml") {
    std::ofstream cfg(o.dir / "sitod.yaml");
    cfg << "listen: 127.0.0.1:" << port_ << "\nhttp: 127.0.0.1:" << http_port_ << "\n"
        << "data_dir: " << (o.dir / "data").string() << "\n"
        << "tenants:\n  - name: " << k_tenant << "\n    tokens:\n"
        << "      - {sha256: " << sito::server::sha256_hex(k_producer) << ", role: producer}\n"
        << "      - {sha256: " << sito::server::sha256_hex(k_subscriber) << ", role: subscriber}\n"
        << "      - {sha256: " << sito::server::sha256_hex(k_admin) << ", role: admin}\n";
  }

  bool start() { return child_.start(o_.dir / ("sitod-" + std::to_string(lives_++) + ".log")); }
  void kill9() { child_.kill9(); }
  bool terminate() { return child_.terminate(); }
  pid_t pid() const { return child_.pid(); }
  uint16_t port() const { return port_; }
  uint16_t http_port() const { return http_port_; }

 private:
  const options& o_;
  uint16_t port_, http_port_;
  sito::testing::sitod_child child_;
  int lives_ = 0;
};

/// VmRSS of `pid` in MiB (0 when it is gone).
uint64_t rss_mb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) / 1024;
  return 0;
}

/// (all descriptors, sockets) of `pid`.
std::pair<size_t, size_t> fds(pid_t pid) {
  size_t all = 0, sockets = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    ++all;
    std::error_code rec;
    const auto target = fs::read_symlink(e.path(), rec);
    if (!rec && target.string().rfind("socket:", 0) == 0) ++sockets;
  }
  return {all, sockets};
}

sito::client::connection_options connection(uint16_t port, const std::string& token, sito::client::role r) {
  sito::client::connection_options c;
  c.port = port;
  c.token = token;
  c.as = r;
  c.timeout = 10s;
  c.client_name = "sito_soak";
  return c;
}

/// Words that occur in the fortunes often enough for topics to match.
const std::vector<std::string> k_words = {"жизнь", "человек", "люди", "время", "любовь", "деньги", "работа",
                                          "женщина", "мужчина", "бог", "смерть", "друг", "день", "мир", "дело",
                                          "счастье", "правда", "жена", "муж", "дети"};

/// A producer's post, rebuilt from what identifies it (the soak keeps only
/// that for every acknowledged post: 30 minutes are about a million).
struct post_key {
  uint32_t producer = 0;
  uint32_t text = 0;  ///< index into the texts
  uint64_t seq = 0;
};

sito::post make_post(const post_key& k, const std::vector<std::string>& texts) {
  sito::post p;
  p.id = "p" + std::to_string(k.producer) + "-" + std::to_string(k.seq);
  p.source = k.seq % 3 == 0 ? "vk" : "telegram";
  p.source_type = "social";
  p.lang = "ru";
  p.text = texts[k.text];
  return p;
}

std::vector<sito::topic_spec> stable_topics(const std::vector<std::string>& words) {
  std::vector<sito::topic_spec> out;
  for (size_t i = 0; i + 1 < words.size(); i += 2) {
    sito::topic_spec t;
    t.tenant = k_tenant;
    t.id = "stable-" + std::to_string(i / 2);
    t.query = words[i] + " OR " + words[i + 1] + "*";
    t.tags.push_back({"Тема/" + words[i], words[i]});
    t.rules.push_back({"neg", "sentiment:negative", {{"Риск"}, "", std::nullopt, false, false}});
    out.push_back(std::move(t));
  }
  // A NEAR and a phrase topic, to keep the positions path busy.
  out.push_back({k_tenant, "stable-near", "", words[0] + " NEAR/5 " + words[1], {}, {}, {}, {}});
  out.push_back({k_tenant, "stable-not", "", words[2] + " AND NOT " + words[3], {}, {}, {}, {}});
  return out;
}

struct shared_state {
  std::atomic<bool> stop_churn{false}, stop_producing{false}, draining{false};
  std::atomic<bool> abort{false};  ///< sitod is gone for good: producers stop retrying
  std::mutex acked_mu;
  std::vector<post_key> acked;  ///< every acknowledged post, once
  std::atomic<uint64_t> duplicates{0}, publish_failures{0}, batches{0};
  std::mutex kills_mu;
  std::vector<clock_type::time_point> kills;  ///< when sitod was killed
  std::atomic<uint64_t> churn_ops{0}, churn_failures{0};
  std::optional<clock_type::time_point> backfill_start, backfill_end;
  std::atomic<uint64_t> backfill_mentions{0};
  std::atomic<uint64_t> max_rss{0};

  bool killed_between(clock_type::time_point a, clock_type::time_point b) {
    std::lock_guard lk(kills_mu);
    return std::any_of(kills.begin(), kills.end(), [&](auto t) { return t >= a && t <= b; });
  }
};

/// `call` on `conn`, connecting as `who` first when there is none, until
/// it returns true; after a failure the connection is dropped and made
/// again. False after `attempts` tries or once `give_up` is set.
template <typename Call>
bool with_connection(std::unique_ptr<sito::client::connection>& conn, const sito::client::connection_options& who,
                     Call&& call, const std::atomic<bool>& give_up, int attempts = std::numeric_limits<int>::max()) {
  for (int i = 0; i < attempts && !give_up; ++i) {
    if (!conn) {
      auto c = sito::client::connection::open(who);
      if (!c.ok()) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      conn = std::move(*c);
    }
    if (call(*conn)) return true;
    conn.reset();
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

void producer(int index, const options& o, const sitod_child& sitod, const std::vector<std::string>& texts,
              shared_state& s) {
  constexpr size_t batch_size = 50;
  const auto interval = std::chrono::duration<double>(batch_size * o.producers / static_cast<double>(o.rate));
  std::unique_ptr<sito::client::connection> conn;
  const auto as_producer = connection(sitod.port(), k_producer, sito::client::role::producer);
  uint64_t seq = 0;
  auto next = clock_type::now();
  std::mt19937_64 rng(o.seed * 1000 + static_cast<uint64_t>(index));
  while (!s.stop_producing) {
    std::this_thread::sleep_until(next);
    next += std::chrono::duration_cast<clock_type::duration>(interval);
    std::vector<post_key> keys;
    std::vector<sito::post> batch;
    for (size_t i = 0; i < batch_size; ++i, ++seq) {
      keys.push_back({static_cast<uint32_t>(index), static_cast<uint32_t>(rng() % texts.size()), seq});
      batch.push_back(make_post(keys.back(), texts));
    }
    // Until acknowledged: the same batch again after every failure.
    const bool acked = with_connection(conn, as_producer, [&](sito::client::connection& c) {
      auto ack = c.publish(batch);
      if (!ack.ok()) {
        ++s.publish_failures;
        return false;
      }
      s.duplicates += ack->duplicate_ids.size();
      ++s.batches;
      return true;
    }, s.abort);
    if (!acked) return;  // sitod is gone for good
    std::lock_guard lk(s.acked_mu);
    s.acked.insert(s.acked.end(), keys.begin(), keys.end());
  }
}

/// One admin call, reconnecting after a failure; false once it gave up.
template <typename Call>
bool admin_call(std::unique_ptr<sito::client::connection>& conn, const sitod_child& sitod, Call&& call,
                int attempts = 100) {
  static const std::atomic<bool> never{false};
  return with_connection(conn, connection(sitod.port(), k_admin, sito::client::role::admin), call, never, attempts);
}

sito::result<std::pair<uint64_t, uint64_t>> result_of_backfill(const sito::status& st) { return st; }

void churn(const options& o, const sitod_child& sitod, const std::vector<std::string>& words, shared_state& s,
           failures& f, const clock_type::time_point backfill_at) {
  std::unique_ptr<sito::client::connection> conn;
  std::mt19937_64 rng(o.seed);
  bool backfilled = false;
  while (!s.stop_churn) {
    std::this_thread::sleep_for(1s);
    if (!backfilled && clock_type::now() >= backfill_at) {
      // A new topic, then its backfill over the posts before it went live.
      backfilled = true;
      s.backfill_start = clock_type::now();
      const sito::topic_spec late{k_tenant, "late", "", words[4] + " OR " + words[5], {}, {}, {}, {}};
      bool ok = admin_call(conn, sitod, [&](sito::client::connection& c) { return c.upsert_topics({late}).ok(); });
      // Once, on a connection of its own with a long timeout: a backfill sent
      // again while the first still runs would store its mentions twice.
      std::pair<uint64_t, uint64_t> done{0, 0};
      if (ok) {
        auto options = connection(sitod.port(), k_admin, sito::client::role::admin);
        options.timeout = 600s;
        auto c = sito::client::connection::open(options);
        auto r = c.ok() ? (*c)->backfill("late") : result_of_backfill(c.error());
        if (r.ok()) done = *r;
        ok = r.ok();
      }
      s.backfill_end = clock_type::now();
      s.backfill_mentions = done.second;
      if (!ok) f.add("the backfill did not complete");
      continue;
    }
    const std::string id = "churn-" + std::to_string(rng() % 8);
    const bool upsert = rng() % 3 != 0;
    const bool ok = admin_call(
        conn, sitod,
        [&](sito::client::connection& c) {
          if (upsert)
            return c.upsert_topics({{k_tenant, id, "", words[rng() % words.size()] + " OR " +
                                                           words[rng() % words.size()], {}, {}, {}, {}}})
                .ok();
          auto r = c.delete_topics({id});  // a missing one is a diagnostic, not an error
          return r.ok();
        },
        3);
    ++s.churn_ops;
    if (!ok) ++s.churn_failures;
  }
}

/// What one subscriber saw: how often each offset came, and its resumes.
struct subscriber_log {
  std::string name;
  std::vector<uint32_t> seen;  ///< offset → deliveries
  uint64_t resumes = 0, strict_resumes = 0, redelivered = 0;
  void saw(uint64_t offset) {
    if (offset >= seen.size()) seen.resize(offset + 1, 0);
    ++seen[offset];
  }
};

/// Reads, commits as it goes, disconnects every 5–20 s and resumes from its
/// committed offset. After a resume with no kill since its last commit the
/// first offset must be the one after that commit.
void resuming_subscriber(const sitod_child& sitod, shared_state& s, subscriber_log& log,
                         failures& f, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::optional<uint64_t> committed;          // the last offset this subscriber committed
  clock_type::time_point committed_at{};
  std::optional<uint64_t> last;               // the last offset delivered to it
  while (true) {
    sito::client::subscription_options so;
    so.name = log.name;
    so.start = committed ? sito::client::start_from::committed : sito::client::start_from::offset;
    so.offset = 0;
    so.credit = 500;
    sito::client::subscriber sub(connection(sitod.port(), k_subscriber, sito::client::role::subscriber), so);
    // A commit written to a connection whose sitod was just killed is lost
    // without an error: strict only with no kill from shortly before it.
    const bool strict = committed && !s.killed_between(committed_at - 2s, clock_type::now());
    bool first = true;
    const auto until = clock_type::now() + std::chrono::seconds(5 + rng() % 16);
    int idle = 0;
    while (s.draining ? idle < 12 : clock_type::now() < until) {
      auto batch = sub.next(250ms);
      if (!batch.ok()) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      idle = batch->empty() ? idle + 1 : 0;
      for (const auto& m : *batch) {
        const uint64_t off = m.offset;
        if (first && committed) {
          ++log.resumes;
          if (off > *committed + 1)
            f.add(log.name + ": resumed at " + std::to_string(off) + " after committing " +
                  std::to_string(*committed) + " (a gap)");
          if (strict) {
            ++log.strict_resumes;
            if (off != *committed + 1)
              f.add(log.name + ": resumed at " + std::to_string(off) + ", not right after its commit " +
                    std::to_string(*committed) + ", with no kill in between");
          }
        } else if (last && off != *last + 1 && !first) {
          f.add(log.name + ": offset " + std::to_string(off) + " after " + std::to_string(*last) + " (not in order)");
        }
        if (off < log.seen.size() && log.seen[off] > 0) ++log.redelivered;
        log.saw(off);
        last = off;
        first = false;
      }
      if (!batch->empty() && sub.commit().ok()) {
        committed = sub.last_offset();
        committed_at = clock_type::now();
      }
    }
    if (s.draining) return;
    std::this_thread::sleep_for(1s);  // the commit reaches the store before the next connection asks for it
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "soak: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--minutes") o.minutes = std::stod(value());
    else if (a == "--sitod") o.sitod = value();
    else if (a == "--dir") o.dir = value();
    else if (a == "--rate") o.rate = static_cast<uint32_t>(std::stoul(value()));
    else if (a == "--kill-every") o.kill_every = static_cast<uint32_t>(std::stoul(value()));
    else if (a == "--rss-bound-mb") o.rss_bound_mb = std::stoull(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else {
      std::cerr << "usage: sito_soak --sitod PATH [--minutes 5] [--rate 500] [--kill-every 60] "
                   "[--rss-bound-mb 1024] [--dir DIR] [--seed 1]\n";
      return 2;
    }
  }
  if (o.sitod.empty() || o.rate == 0 || o.minutes <= 0) {
    std::cerr << "soak: --sitod PATH is required, --rate and --minutes must be positive\n";
    return 2;
  }
  const bool own_dir = o.dir.empty();
  if (own_dir) o.dir = fs::temp_directory_path() / ("sito_soak_" + std::to_string(::getpid()));
  fs::remove_all(o.dir);
  fs::create_directories(o.dir);
  const std::vector<std::string> texts = sito::testing::russian_fortunes();
  if (texts.empty()) {
    std::cerr << "soak: no fortunes-ru texts (apt-get install fortunes-ru)\n";
    return 2;
  }
  const std::vector<std::string>& words = k_words;
  const std::vector<sito::topic_spec> stable = stable_topics(words);

  failures f;
  shared_state s;
  sitod_child sitod(o);
  if (!sitod.start()) {
    std::cerr << "soak: sitod did not start (" << (o.dir / "sitod-0.log").string() << ")\n";
    return 1;
  }
  {
    std::unique_ptr<sito::client::connection> admin;
    if (!admin_call(admin, sitod, [&](sito::client::connection& c) { return c.upsert_topics(stable).ok(); })) {
      std::cerr << "soak: the stable topics were not stored\n";
      return 1;
    }
  }
  const auto started = clock_type::now();
  const auto deadline = started + std::chrono::milliseconds(static_cast<int64_t>(o.minutes * 60'000));

  // The monitor: sitod's memory, twice a second.
  std::atomic<bool> stop_monitor{false};
  std::thread monitor([&] {
    while (!stop_monitor) {
      if (const pid_t pid = sitod.pid(); pid > 0) s.max_rss = std::max<uint64_t>(s.max_rss, rss_mb(pid));
      std::this_thread::sleep_for(500ms);
    }
  });
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < o.producers; ++i)
    threads.emplace_back([&, i] { producer(static_cast<int>(i), o, sitod, texts, s); });
  std::thread churner([&] { churn(o, sitod, words, s, f, started + (deadline - started) / 2); });
  std::vector<subscriber_log> logs(2);
  logs[0].name = "bot-a";
  logs[1].name = "bot-b";
  std::vector<std::thread> subscribers;
  for (size_t i = 0; i < logs.size(); ++i)
    subscribers.emplace_back([&, i] { resuming_subscriber(sitod, s, logs[i], f, o.seed + 100 + i); });
  // The stalled subscriber: subscribes, then reads nothing until the end.
  sito::client::subscription_options stalled_options;
  stalled_options.name = "stalled";
  stalled_options.start = sito::client::start_from::offset;
  stalled_options.credit = 10;
  std::optional<sito::client::subscriber> stalled;
  stalled.emplace(connection(sitod.port(), k_subscriber, sito::client::role::subscriber), stalled_options);
  subscriber_log stalled_log;
  stalled_log.name = "stalled";
  if (auto b = stalled->next(100ms); b.ok())
    for (const auto& m : *b) stalled_log.saw(m.offset);

  // The killer.
  uint64_t kills = 0;
  auto next_kill = started + std::chrono::seconds(o.kill_every);
  while (clock_type::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    if (o.kill_every == 0 || clock_type::now() < next_kill) continue;
    {
      std::lock_guard lk(s.kills_mu);
      s.kills.push_back(clock_type::now());
    }
    sitod.kill9();
    ++kills;
    if (!sitod.start() && !sitod.start()) {
      f.add("sitod did not restart after kill " + std::to_string(kills));
      s.abort = true;
      break;
    }
    next_kill = clock_type::now() + std::chrono::seconds(o.kill_every);
  }

  // Drain: no more posts or topic changes; everything matched; every
  // subscriber reads to the end.
  s.stop_producing = true;
  for (auto& t : threads) t.join();
  s.stop_churn = true;
  churner.join();
  if (s.abort) {
    f.print();
    std::printf("soak: FAIL: sitod could not be restarted (%s)\n", o.dir.c_str());
    std::_Exit(1);  // the subscribers would wait for it forever
  }
  for (int i = 0; i < 600; ++i) {
    const std::string m = http_get(sitod.http_port(), "/metrics");
    if (sito::testing::metric_value(m, "sito_match_lag_posts") == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  s.draining = true;
  for (auto& t : subscribers) t.join();
  for (int idle = 0; idle < 12;) {
    auto b = stalled->next(250ms);
    if (!b.ok()) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    idle = b->empty() ? idle + 1 : 0;
    for (const auto& m : *b) stalled_log.saw(m.offset);
  }
  stalled.reset();  // every client is closed now
  std::this_thread::sleep_for(1s);
  const auto [fds_at_end, sockets_at_end] = fds(sitod.pid());
  if (sockets_at_end > 2) {  // which: for the report
    const std::string ss = "ss -tanp 2>/dev/null | grep 'pid=" + std::to_string(sitod.pid()) + ",' >&2";
    if (std::system(ss.c_str()) != 0) std::cerr << "soak: (ss is not available to list the sockets)\n";
    std::cerr << "soak: sito_sessions " << sito::testing::metric_value(http_get(sitod.http_port(), "/metrics"), "sito_sessions") << "\n";
    const std::string ls = "ls -l /proc/" + std::to_string(sitod.pid()) + "/fd >&2";
    (void)std::system(ls.c_str());
  }
  stop_monitor = true;
  monitor.join();
  if (!sitod.terminate()) f.add("sitod did not stop cleanly on SIGTERM");

  // The checks, from the store.
  auto db = sito::server::store::open({.path = (o.dir / "data").string()});
  if (!db.ok()) {
    std::cerr << "soak: cannot open the store: " << db.error().message() << "\n";
    return 1;
  }
  std::map<std::string, int> stored_ids;
  std::vector<std::string> id_by_offset((*db)->next_post_offset());
  std::vector<sito::server::stored_post> stored;
  for (uint64_t from = (*db)->first_post_offset(); from < (*db)->next_post_offset(); from += stored.size()) {
    stored.clear();
    if (!(*db)->read_posts(from, 10'000, stored).ok() || stored.empty()) {
      f.add("cannot read the post log at " + std::to_string(from));
      break;
    }
    for (const auto& sp : stored) {
      ++stored_ids[sp.p.id];
      id_by_offset[sp.offset] = sp.p.id;
    }
  }
  std::set<std::string> acked_ids;
  for (const auto& k : s.acked) acked_ids.insert(make_post(k, texts).id);
  for (const auto& [id, n] : stored_ids) {
    if (n != 1) f.add("post " + id + " is in the post log " + std::to_string(n) + " times");
    if (!acked_ids.count(id)) f.add("post " + id + " is stored but was never acknowledged");
  }
  for (const auto& id : acked_ids)
    if (!stored_ids.count(id)) f.add("acknowledged post " + id + " is not in the post log");
  if ((*db)->matched_watermark() != (*db)->next_post_offset()) f.add("not every stored post was matched");

  const uint64_t log_begin = (*db)->first_mention_offset(k_tenant), log_end = (*db)->next_mention_offset(k_tenant);
  std::map<std::pair<std::string, std::string>, int> got;  // (post id, topic) → mentions
  std::vector<sito::server::mention_record> mentions;
  for (uint64_t from = log_begin; from < log_end; from += mentions.size()) {
    mentions.clear();
    if (!(*db)->read_mentions(k_tenant, from, 10'000, mentions).ok() || mentions.empty()) {
      f.add("cannot read the mention log at " + std::to_string(from));
      break;
    }
    for (const auto& m : mentions) {
      if (m.post_offset >= id_by_offset.size() || id_by_offset[m.post_offset].empty())
        f.add("mention " + std::to_string(m.offset) + " of a post that is not stored");
      else
        ++got[{id_by_offset[m.post_offset], m.topic}];
    }
  }
  // The engine's mentions of the stable topics (and of the backfilled one).
  std::vector<sito::topic_spec> checked = stable;
  const bool backfill_clean = s.backfill_start && s.backfill_end &&
                              !s.killed_between(*s.backfill_start - 1s, *s.backfill_end + 1s);
  if (backfill_clean) checked.push_back({k_tenant, "late", "", words[4] + " OR " + words[5], {}, {}, {}, {}});
  auto snap = sito::compile_topics(checked);
  std::map<std::pair<std::string, std::string>, int> want;
  if (!snap.ok()) {
    f.add("the reference compile failed: " + snap.error().message());
  } else {
    sito::batch_scanner scanner(*snap);
    sito::scan_output out;
    std::vector<sito::post> slice;
    for (size_t at = 0; at < s.acked.size(); at += 4096) {
      slice.clear();
      for (size_t i = at; i < std::min(at + 4096, s.acked.size()); ++i) slice.push_back(make_post(s.acked[i], texts));
      scanner.scan(slice, out);
      for (const auto& m : out.matches) want[{slice[m.post].id, (*snap)->topics[m.topic].id}] = 1;
    }
  }
  std::set<std::string> checked_ids;
  for (const auto& t : checked) checked_ids.insert(t.id);
  size_t exact = 0;
  for (const auto& [key, n] : got) {
    if (!checked_ids.count(key.second)) continue;
    if (!want.count(key)) f.add("mention of " + key.first + " by " + key.second + " that the engine does not give");
    else if (n != 1) f.add("mention of " + key.first + " by " + key.second + " " + std::to_string(n) + " times");
    else ++exact;
  }
  for (const auto& [key, n] : want)
    if (!got.count(key)) f.add("missing mention of " + key.first + " by " + key.second);

  // Subscribers: every offset of the log, none skipped.
  for (auto* l : {&logs[0], &logs[1], &stalled_log}) {
    uint64_t missing = 0;
    for (uint64_t off = log_begin; off < log_end; ++off)
      if (off >= l->seen.size() || l->seen[off] == 0) ++missing;
    if (missing) f.add(l->name + " missed " + std::to_string(missing) + " of " + std::to_string(log_end) + " mentions");
  }
  if (s.max_rss > o.rss_bound_mb)
    f.add("sitod's RSS reached " + std::to_string(s.max_rss.load()) + " MiB (bound " + std::to_string(o.rss_bound_mb) +
          ")");
  if (sockets_at_end > 2)
    f.add("sitod holds " + std::to_string(sockets_at_end) + " sockets with no client (its two listeners expected)");
  db->reset();

  const double minutes = std::chrono::duration<double>(clock_type::now() - started).count() / 60;
  uint64_t resumes = 0, strict = 0, redelivered = 0;
  for (const auto& l : logs) {
    resumes += l.resumes;
    strict += l.strict_resumes;
    redelivered += l.redelivered;
  }
  f.print();
  std::printf(
      "soak: %.1f min, %zu posts acknowledged (%llu re-sent as duplicates, %llu failed publishes retried), "
      "%llu mentions (%zu of the checked topics exact), %llu kill -9, %llu topic changes, backfill %llu mentions%s, "
      "%llu resumes (%llu strict, %llu re-delivered), max RSS %llu MiB (bound %llu), %zu fds and %zu sockets at the "
      "end: %s\n",
      minutes, s.acked.size(), static_cast<unsigned long long>(s.duplicates.load()),
      static_cast<unsigned long long>(s.publish_failures.load()), static_cast<unsigned long long>(log_end - log_begin),
      exact,
      static_cast<unsigned long long>(kills), static_cast<unsigned long long>(s.churn_ops.load()),
      static_cast<unsigned long long>(s.backfill_mentions.load()), backfill_clean ? " (checked)" : " (not checked: a kill)",
      static_cast<unsigned long long>(resumes), static_cast<unsigned long long>(strict),
      static_cast<unsigned long long>(redelivered), static_cast<unsigned long long>(s.max_rss.load()),
      static_cast<unsigned long long>(o.rss_bound_mb), fds_at_end, sockets_at_end,
      f.count() == 0 ? "PASS" : ("FAIL (" + std::to_string(f.count()) + ")").c_str());
  if (own_dir && f.count() == 0) fs::remove_all(o.dir);
  return f.count() == 0 ? 0 : 1;
}
