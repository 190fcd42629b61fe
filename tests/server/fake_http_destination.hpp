// File: tests/server/fake_http_destination.hpp
//
// A local HTTP server standing in for a webhook, the Telegram Bot API or a
// Slack incoming webhook in the connector tests: it records every request
// (method, target, headers, body, when) and answers from a script — the
// next scripted reply while there is one, then the default (200 with
// `{"ok":true}`). One request per connection (it answers Connection: close).
//
//   fake_http_destination dest;
//   dest.script({{500}, {500}, {429, "", "1"}});   // then 200
//   ... url = dest.url("/hook") ...
//   dest.wait_for([&] { return dest.requests().size() >= 4; }, 30s);
//
// Thread-safety: every method takes the lock; the server runs on its own thread.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sito::testing {

class fake_http_destination {
 public:
  struct reply {
    unsigned status = 200;  ///< 0: never answer (the connection is held until the server goes)
    std::string body = "{\"ok\":true}";
    std::string retry_after;  ///< the Retry-After header when not empty
  };
  struct request {
    std::string method, target, body;
    std::map<std::string, std::string> headers;
    std::chrono::steady_clock::time_point at;
    unsigned answered = 0;  ///< the status it got
  };

  fake_http_destination() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_http_destination() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    boost::system::error_code ec;
    // Wake the blocking accept with a connection of our own.
    boost::asio::ip::tcp::socket s(io_);
    s.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port()) + path; }

  void script(std::vector<reply> replies) {
    std::lock_guard lock(mutex_);
    script_.assign(replies.begin(), replies.end());
  }
  void set_default(reply r) {
    std::lock_guard lock(mutex_);
    default_ = std::move(r);
  }
  std::vector<request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  /// Waits until `done()` holds (checked on each request and every 50 ms).
  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
    return done();
  }

 private:
  void serve() {
    namespace http = boost::beast::http;
    for (;;) {
      boost::asio::ip::tcp::socket sock(io_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      if (ec) continue;
      boost::beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(sock, buf, req, ec);
      if (ec) continue;
      request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.body = req.body();
      for (const auto& f : req) r.headers[std::string(f.name_string())] = std::string(f.value());
      r.at = std::chrono::steady_clock::now();
      reply answer;
      {
        std::lock_guard lock(mutex_);
        if (!script_.empty()) {
          answer = script_.front();
          script_.pop_front();
        } else {
          answer = default_;
        }
      }
      if (answer.status == 0) {  // a destination that hangs: hold the connection, answer nothing
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(std::move(r));
        }
        cv_.notify_all();
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_; });
        return;
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::connection, "close");
      if (!answer.retry_after.empty()) res.set(http::field::retry_after, answer.retry_after);
      res.body() = answer.body;
      res.prepare_payload();
      http::write(sock, res, ec);
      sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      r.answered = answer.status;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(r));
      }
      cv_.notify_all();
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<reply> script_;
  reply default_;
  std::vector<request> requests_;
};

}  // namespace sito::testing
