// The shared pieces of sitod's end-to-end tests (sitod_test): the tenants
// and tokens, an in-process sitod per test (`Sitod`), sitod as a child
// process (`sitod_process`, kill -9 is real), the CLI's publish, and the
// engine's own answer for the same topics and posts.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sito/client/client.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/server/server.hpp"
#include "sito/server/store.hpp"
#include "sito/server/wire_convert.hpp"
#include "support/corpus.hpp"
#include "support/sitod_child.hpp"

namespace sito::sitod_testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const std::string token_producer = "acme-producer-secret";
inline const std::string token_subscriber = "acme-subscriber-secret";
inline const std::string token_admin = "acme-admin-secret";
inline const std::string token_other_admin = "other-admin-secret";
inline const std::string token_other_subscriber = "other-subscriber-secret";

inline fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("sito-it-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

inline server::server_config make_config(const fs::path& dir) {
  server::server_config c;
  c.listen_port = 0;
  c.http_port = 0;
  c.data_dir = (dir / "data").string();
  c.tenants.push_back({"acme",
                       {{server::sha256_hex(token_producer), server::role::producer},
                        {server::sha256_hex(token_subscriber), server::role::subscriber},
                        {server::sha256_hex(token_admin), server::role::admin}},
                       ""});
  c.tenants.back().topic_groups["pair"] = {"life", "phrase"};  // sito stats --among pair
  c.tenants.push_back({"other",
                       {{server::sha256_hex(token_other_admin), server::role::admin},
                        {server::sha256_hex(token_other_subscriber), server::role::subscriber}},
                       ""});
  return c;
}

inline client::connection_options opts(uint16_t port, const std::string& token, client::role r) {
  client::connection_options o;
  o.port = port;
  o.token = token;
  o.as = r;
  o.timeout = 20s;
  return o;
}

inline std::vector<topic_spec> acme_topics() {
  return {{"acme", "delivery", "", "доставка OR курьер*", {}, {}},
          {"acme", "love", "", "любовь NEAR/3 (жизнь, смерть)", {}, {}},
          {"acme", "phrase", "", "\"так и\" OR contains:\"ошибк\"", {}, {}},
          {"acme", "reviews", "", "", {"otzovik:acme"}, {}},
          {"acme", "life", "", "жизнь OR человек OR бог*", {}, {}}};
}

inline std::vector<post> firehose(size_t n) {
  auto texts = testing::russian_fortunes();
  std::vector<post> posts;
  for (size_t i = 0; i < n && i < texts.size(); ++i) {
    post p;
    p.id = "f" + std::to_string(i);
    p.text = texts[i];
    p.source = "vk";
    if (i % 50 == 0) p.channel = "otzovik:acme";
    // Authors recur (the period measures count them once per bucket).
    p.author.id = "u" + std::to_string(i % 97);
    p.author.followers = static_cast<int64_t>((i * 131) % 9000);
    if (i % 3 == 0) p.reach = static_cast<int64_t>((i * 17) % 20000);
    p.engagement = static_cast<int64_t>(i % 40);
    posts.push_back(std::move(p));
  }
  return posts;
}

/// (post id, topic) → highlights as text, from the engine directly.
inline std::map<std::pair<std::string, std::string>, std::string> expected_mentions(const std::vector<topic_spec>& topics,
                                                                            const std::vector<post>& posts) {
  auto snap = compile_topics(topics);
  EXPECT_TRUE(snap.ok());
  batch_scanner scanner(*snap);
  scan_output out;
  scanner.scan(posts, out);
  std::map<std::pair<std::string, std::string>, std::string> m;
  for (const auto& x : out.matches) {
    std::string hl;
    for (const auto& h : out.highlights_of(x))
      hl += std::string(query::to_string(h.field)) + ":" + std::to_string(h.begin) + "-" + std::to_string(h.end) +
            ":" + std::string((*snap)->label(h.label)) + ";";
    m[{posts[x.post].id, (*snap)->topics[x.topic].id}] = hl;
  }
  return m;
}

inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "field:start-end:term;" per highlight of `m` (a client::mention or a
/// server::mention_record: the same fields).
template <typename Mention>
std::string highlights_text(const Mention& m) {
  std::string hl;
  for (const auto& h : m.highlights)
    hl += h.field + ":" + std::to_string(h.start) + "-" + std::to_string(h.end) + ":" + h.term + ";";
  return hl;
}

class Sitod : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    start();
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    fs::remove_all(dir_);
  }
  void start() {
    auto config = make_config(dir_);
    config.faults = faults_;
    auto s = server::sitod::create(config);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    server_ = std::move(*s);
    ASSERT_TRUE(server_->start().ok());
  }
  void restart() {
    server_->stop();
    server_.reset();
    start();
  }
  std::unique_ptr<client::connection> connect(const std::string& token, client::role r) {
    auto c = client::connection::open(opts(server_->port(), token, r));
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return c.ok() ? std::move(*c) : nullptr;
  }
  fs::path dir_;
  std::unique_ptr<server::sitod> server_;
  std::shared_ptr<server::store_faults> faults_;  ///< set before a restart: the store's writes fail on demand
};

/// Runs the sitod binary as a child process; kill -9 is real.
class sitod_process {
 public:
  sitod_process(const fs::path& dir) : dir_(dir) {
    std::ofstream cfg(dir / "sitod.yaml");
    cfg << "listen: 127.0.0.1:0\nhttp: 127.0.0.1:0\ndata_dir: " << (dir / "data").string() << "\n"
        << "tenants:\n  - name: acme\n    tokens:\n"
        << "      - {sha256: " << server::sha256_hex(token_producer) << ", role: producer}\n"
        << "      - {sha256: " << server::sha256_hex(token_subscriber) << ", role: subscriber}\n"
        << "      - {sha256: " << server::sha256_hex(token_admin) << ", role: admin}\n";
  }
  ~sitod_process() { kill9(); }

  /// Starts sitod and returns its port (0 on failure).
  uint16_t start() {
    const fs::path log = dir_ / "sitod.log";
    fs::remove(log);
    return child_.start(log) ? child_.port() : 0;
  }
  void kill9() { child_.kill9(); }
  void signal(int sig) { child_.signal(sig); }
  uint16_t http_port() const { return child_.http_port(); }  ///< after start()
  bool running() const { return child_.running(); }
  /// Waits until sitod's log holds a line with `needle` (up to 20 s).
  bool wait_for_log(const std::string& needle) const {
    for (int i = 0; i < 400; ++i) {
      std::ifstream in(dir_ / "sitod.log");
      std::string line;
      while (std::getline(in, line))
        if (line.find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  void terminate() { (void)child_.terminate(); }

 private:
  fs::path dir_;
  testing::sitod_child child_{SITOD_PATH, dir_ / "sitod.yaml"};
};

/// Runs `sito publish` of `jsonl` against sitod on `port` as acme's
/// producer; returns the last line it wrote on stderr (the JSON summary).
inline std::string sito_publish(uint16_t port, const fs::path& jsonl, const fs::path& dir) {
  const fs::path err = dir / "publish.err";
  const std::string command = std::string("SITO_TOKEN=") + token_producer + " '" + SITO_CLI_PATH +
                              "' publish --server 127.0.0.1:" + std::to_string(port) + " '" + jsonl.string() +
                              "' 2>'" + err.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(err);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line.front() == '{') last = line;
  return last;
}

}  // namespace sito::sitod_testing
