#include "connectors/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <optional>

#include "net.hpp"

namespace sito::server {

namespace beast = boost::beast;
namespace http = beast::http;

result<http_url> parse_http_url(const std::string& url) {
  http_url u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return invalid_argument("expected an http:// or https:// URL");
  }
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (u.target[0] == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string::npos) return invalid_argument("user:password@ in the URL is not supported (use headers)");
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return invalid_argument("bad IPv6 host in the URL");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return invalid_argument("bad host:port in the URL");
      u.port = authority.substr(close + 2);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.host.empty()) return invalid_argument("the URL has no host");
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  for (char c : u.port)
    if (c < '0' || c > '9') return invalid_argument("bad port in the URL");
  return u;
}

http_client::http_client() = default;
http_client::~http_client() = default;

void http_client::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  if (running_) running_->stop();
}

namespace {

struct exchange {
  http_url url;
  const std::vector<std::pair<std::string, std::string>>* headers;
  const std::string* content_type;
  const std::string* body;
  std::chrono::milliseconds timeout;
  std::optional<http_post_reply> reply;
  std::string error;
};

template <class Stream>
net::awaitable<void> send_and_read(Stream& stream, exchange& x) {
  http::request<http::string_body> req{http::verb::post, x.url.target, 11};
  req.set(http::field::host, x.url.host);
  req.set(http::field::user_agent, "sitod-connector");
  req.set(http::field::content_type, *x.content_type);
  for (const auto& [name, value] : *x.headers) req.set(name, value);
  req.body() = *x.body;
  req.prepare_payload();
  co_await http::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 10);
  parser.header_limit(64u << 10);
  boost::system::error_code ec;
  co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
  if (ec && ec != http::error::body_limit) throw boost::system::system_error(ec);
  http_post_reply r;
  r.status = parser.get().result_int();
  r.body = parser.get().body();
  if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) r.retry_after = std::string(it->value());
  x.reply = std::move(r);
}

net::awaitable<void> run_exchange(exchange& x, net::ssl::context& ssl) {
  std::string stage = "resolve";
  try {
    auto ex = co_await net::this_coro::executor;
    tcp::resolver resolver(ex);
    const auto endpoints = co_await resolver.async_resolve(x.url.host, x.url.port, net::use_awaitable);
    beast::tcp_stream tcp_stream(ex);
    tcp_stream.expires_after(x.timeout);
    stage = "connect";
    co_await tcp_stream.async_connect(endpoints, net::use_awaitable);
    if (!x.url.tls) {
      stage = "request";
      co_await send_and_read(tcp_stream, x);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), ssl);
    if (!SSL_set_tlsext_host_name(tls.native_handle(), x.url.host.c_str())) {
      x.error = "TLS: cannot set the server name";
      co_return;
    }
    tls.set_verify_callback(net::ssl::host_name_verification(x.url.host));
    stage = "TLS handshake";
    co_await tls.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
    stage = "request";
    co_await send_and_read(tls, x);
  } catch (const boost::system::system_error& e) {
    x.error = stage + ": " + e.code().message();
  }
}

}  // namespace

result<http_post_reply> http_client::post(const std::string& url,
                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                     const std::string& content_type, const std::string& body,
                                     std::chrono::milliseconds timeout) {
  auto parsed = parse_http_url(url);
  if (!parsed.ok()) return parsed.error();
  net::ssl::context ssl(net::ssl::context::tls_client);
  if (parsed->tls) {
    ssl.set_default_verify_paths();
    ssl.set_verify_mode(net::ssl::verify_peer);
  }
  exchange x{*parsed, &headers, &content_type, &body, timeout, std::nullopt, {}};
  // Declared last, destroyed first: a request cut short by cancel() or the
  // deadline leaves its coroutine suspended, and the io_context destroys it
  // while the TLS context and the exchange it refers to still exist.
  net::io_context io;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return unavailable("stopping");
    running_ = &io;
  }
  net::co_spawn(io, run_exchange(x, ssl), net::detached);
  // The stream's deadline bounds connect, handshake, write and read; DNS
  // has none of its own, so the whole run gets a little more than it.
  io.run_for(timeout + std::chrono::seconds(1));
  bool cancelled = false;
  {
    std::lock_guard lock(mutex_);
    running_ = nullptr;
    cancelled = cancelled_;
  }
  const std::string where = parsed->host + ":" + parsed->port;
  if (x.reply) return std::move(*x.reply);
  if (cancelled) return unavailable("stopping");
  if (!x.error.empty()) return unavailable(where + ": " + x.error);
  return unavailable(where + ": timed out");
}

}  // namespace sito::server
