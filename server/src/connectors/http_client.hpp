// Private: the connectors' HTTP(S) client on Boost.Beast: one POST at a time,
// a deadline over the whole request (connect, TLS handshake, write, read),
// and cancel() from another thread for a prompt stop.
//
//   http_client c;
//   auto r = c.post("https://crm.example/hooks/sito", {{"Authorization", secret}},
//                   "application/json", body, 10s);
//   if (r.ok() && r->status / 100 == 2) ...
//
// HTTPS verifies the server's certificate against the system's CAs and its
// host name (SNI set). Error messages name the host and port, never the
// path or the query: a Telegram URL carries the bot token in its path.
//
// Thread-safety: post() from one thread at a time; cancel() from any.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sito/base/status.hpp"

namespace boost::asio {
class io_context;
}

namespace sito::server {

/// An http:// or https:// URL taken apart.
struct http_url {
  bool tls = false;
  std::string host;
  std::string port;    ///< "80" / "443" when the URL gives none
  std::string target;  ///< path and query, "/" at least
};
/// invalid_argument for anything but http(s)://host[:port][/path]; the
/// message quotes the scheme only.
result<http_url> parse_http_url(const std::string& url);

struct http_post_reply {
  unsigned status = 0;
  std::string body;         ///< the first 64 KiB
  std::string retry_after;  ///< the Retry-After header, if any
};

class http_client {
 public:
  http_client();
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// POSTs `body`; an error when no HTTP answer came (DNS, connect, TLS,
  /// timeout, cancel): any status, 2xx or not, is a reply.
  result<http_post_reply> post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& content_type, const std::string& body, std::chrono::milliseconds timeout);
  /// Aborts the request in flight, if any, and every later one (stop).
  void cancel();

 private:
  std::mutex mutex_;
  boost::asio::io_context* running_ = nullptr;  ///< under mutex_
  bool cancelled_ = false;                      ///< under mutex_
};

}  // namespace sito::server
