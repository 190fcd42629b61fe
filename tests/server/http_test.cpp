// sitod's HTTP port from a raw socket: what a well-formed request gets
// (keep-alive, HEAD, 404, 405 with Allow, 401 and 403 on token paths) and
// what malformed, oversized, slow and flooding clients get (400, 413, 431,
// 408, a closed connection), with sitod still answering afterwards.
#include <boost/asio.hpp>

#include "sitod_fixture.hpp"
#include "support/http_get.hpp"

namespace sito::sitod_testing {
namespace {

namespace asio = boost::asio;

/// One HTTP response as read off the socket.
struct response {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
};

/// A raw connection to sitod's HTTP port.
class raw_http {
 public:
  explicit raw_http(uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  /// Reads one response (Content-Length framed); status 0 when the server
  /// closed the connection before a whole one arrived.
  response read() {
    response r;
    boost::system::error_code ec;
    size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(ec)) return r;
    }
    const std::string head = pending_.substr(0, header_end);
    pending_.erase(0, header_end + 4);
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return r;
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    const size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (pending_.size() < length && !head_request_)
      if (!fill(ec)) return response{};
    if (!head_request_) {
      r.body = pending_.substr(0, length);
      pending_.erase(0, length);
    }
    return r;
  }
  void expect_head_response(bool head) { head_request_ = head; }

  /// True when the server closes the connection within `wait`.
  bool closed_within(std::chrono::milliseconds wait) {
    socket_.non_blocking(true);
    const auto until = std::chrono::steady_clock::now() + wait;
    char c;
    while (std::chrono::steady_clock::now() < until) {
      boost::system::error_code ec;
      socket_.read_some(asio::buffer(&c, 1), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      if (ec) return true;  // EOF or reset
    }
    socket_.non_blocking(false);
    return false;
  }

 private:
  bool fill(boost::system::error_code& ec) {
    char buf[4096];
    const size_t n = socket_.read_some(asio::buffer(buf), ec);
    pending_.append(buf, n);
    return !ec || n > 0;
  }
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string pending_;
  bool head_request_ = false;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: sitod\r\n" + extra + "\r\n";
}

class SitodHttp : public Sitod {};

TEST_F(SitodHttp, KeepAliveServesSeveralRequestsOnOneConnection) {
  raw_http c(server_->http_port());
  c.send(get("/health") + get("/metrics"));  // pipelined
  response health = c.read();
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["content-type"], "application/json");
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos) << health.body;
  const response metrics = c.read();
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE sito_posts_ingested_total counter"), std::string::npos);
  EXPECT_FALSE(c.closed_within(200ms)) << "keep-alive: the connection stays open for the next request";
  c.send(get("/health", "Connection: close\r\n"));
  EXPECT_EQ(c.read().status, 200);
  EXPECT_TRUE(c.closed_within(2s)) << "Connection: close is honoured";
}

TEST_F(SitodHttp, HeadAnswersTheGetsLengthWithoutABody) {
  raw_http c(server_->http_port());
  c.send("HEAD /health HTTP/1.1\r\nHost: sitod\r\n\r\n" + get("/health", "Connection: close\r\n"));
  c.expect_head_response(true);
  response head = c.read();
  c.expect_head_response(false);
  EXPECT_EQ(head.status, 200);
  const response full = c.read();
  ASSERT_EQ(full.status, 200) << "the GET after the HEAD is read as its own response: the HEAD had no body";
  EXPECT_EQ(head.headers["content-length"], std::to_string(full.body.size()));
}

TEST_F(SitodHttp, UnknownPathsAndMethodsAreRefusedWithTheirStatus) {
  raw_http c(server_->http_port());
  c.send(get("/nope"));
  const response missing = c.read();
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("no such path: /nope"), std::string::npos) << missing.body;
  c.send("POST /metrics HTTP/1.1\r\nHost: sitod\r\nContent-Length: 2\r\n\r\n{}");
  response post = c.read();
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["allow"], "GET, HEAD");
  c.send("DELETE /health?x=1 HTTP/1.1\r\nHost: sitod\r\n\r\n");
  EXPECT_EQ(c.read().status, 405);
  c.send(get("/health"));
  EXPECT_EQ(c.read().status, 200) << "a refused method does not end the connection";
}

TEST_F(SitodHttp, MalformedRequestsGet400AndTheConnectionCloses) {
  for (const std::string& bad : {std::string("GARBAGE\r\n\r\n"), std::string("GET /health HTTP/1\r\n\r\n"),
                                std::string("GET /health HTTP/2.0\r\nHost: sitod\r\n\r\n"),
                                std::string("GET /health HTTP/1.1\r\nHost sitod\r\n\r\n"),
                                std::string("GET /health HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
                                std::string("GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                                std::string("GET http://evil/health HTTP/1.1\r\nHost: sitod\r\n\r\n"),
                                std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15)}) {
    raw_http c(server_->http_port());
    c.send(bad);
    const response r = c.read();
    EXPECT_EQ(r.status, 400) << "request: " << ::testing::PrintToString(bad);
    EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
    EXPECT_TRUE(c.closed_within(2s)) << ::testing::PrintToString(bad);
  }
  EXPECT_NE(testing::http_get(server_->http_port(), "/health").find("200 OK"), std::string::npos);
  EXPECT_GE(testing::metric_value(testing::http_get(server_->http_port(), "/metrics"),
                                  "sito_http_responses_total{code=\"400\"}"),
            8);
}

TEST_F(SitodHttp, OversizedHeadersAndBodiesAreRefusedBeforeTheyAreRead) {
  {
    raw_http c(server_->http_port());
    c.send("GET /health HTTP/1.1\r\nHost: sitod\r\nX-Pad: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    EXPECT_EQ(c.read().status, 431);
  }
  {
    raw_http c(server_->http_port());
    // The body is refused from its Content-Length: it is never sent.
    c.send("POST /health HTTP/1.1\r\nHost: sitod\r\nContent-Length: 1000000000\r\n\r\n");
    const response r = c.read();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("http.max_body_bytes"), std::string::npos) << r.body;
  }
}

TEST_F(SitodHttp, ASlowRequestGets408AndAnIdleConnectionIsClosed) {
  server_->stop();
  server_.reset();
  auto config = make_config(dir_);
  config.http.request_timeout_seconds = 1;
  config.http.keep_alive_seconds = 1;
  auto s = server::sitod::create(config);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  server_ = std::move(*s);
  ASSERT_TRUE(server_->start().ok());
  {
    raw_http c(server_->http_port());
    c.send("GET /health HTTP/1.1\r\nHo");  // and nothing more
    const response r = c.read();
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(c.closed_within(2s));
  }
  {
    raw_http c(server_->http_port());
    c.send(get("/health"));
    EXPECT_EQ(c.read().status, 200);
    EXPECT_TRUE(c.closed_within(5s)) << "idle past keep_alive_seconds";
  }
  {
    raw_http c(server_->http_port());  // connects and sends nothing
    EXPECT_TRUE(c.closed_within(5s));
  }
}

TEST_F(SitodHttp, ConnectionsBeyondTheCapAreClosedAsTheyAreAccepted) {
  server_->stop();
  server_.reset();
  auto config = make_config(dir_);
  config.http.max_connections = 3;
  auto s = server::sitod::create(config);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  server_ = std::move(*s);
  ASSERT_TRUE(server_->start().ok());
  std::vector<std::unique_ptr<raw_http>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<raw_http>(server_->http_port()));
    held.back()->send(get("/health"));
    ASSERT_EQ(held.back()->read().status, 200);  // open and counted
  }
  raw_http extra(server_->http_port());
  EXPECT_TRUE(extra.closed_within(2s));
  held.pop_back();
  std::this_thread::sleep_for(100ms);
  // A slot is free again once a held connection ends.
  raw_http again(server_->http_port());
  again.send(get("/metrics", "Connection: close\r\n"));
  const response r = again.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(testing::metric_value(r.body, "sito_http_connections_refused_total"), 1);
}

}  // namespace
}  // namespace sito::sitod_testing
