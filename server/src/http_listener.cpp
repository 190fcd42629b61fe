// sitod's HTTP port on Boost.Beast: the accept loop and one connection's
// requests, within the limits of config `http` (http_service.hpp):
// - at most http.max_connections open (one more is closed as it is accepted);
// - a request's header and body within max_header_bytes and max_body_bytes
//   (431 and 413 otherwise), and the whole request within
//   request_timeout_seconds of its first byte (408: a slow-loris client holds
//   a slot for that long at most);
// - keep-alive: the next request may come within keep_alive_seconds;
// - what does not parse gets 400 with Beast's reason, and the connection is
//   closed after any error the client caused.
// What a path serves is http_routes.cpp's.
#include <boost/beast/core.hpp>
#include <boost/beast/version.hpp>

#include <chrono>
#include <memory>
#include <optional>

#include "http_service.hpp"
#include "server_impl.hpp"

namespace sito::server {

namespace beast = boost::beast;

namespace {

class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(sitod::impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}
  ~http_connection() { --server_.metrics.http_connections_open; }

  void start() { wait_for_request(); }

 private:
  const http_config& limits() const { return server_.config.http; }

  // Between requests: wait for the first byte of the next one, as long as
  // keep-alive allows (the first request: as long as a request may take).
  void wait_for_request() {
    if (buffer_.size() > 0) return read_request();
    stream_.expires_after(std::chrono::seconds(served_ ? limits().keep_alive_seconds : limits().request_timeout_seconds));
    auto self = shared_from_this();
    stream_.async_read_some(buffer_.prepare(4096), [self](const beast::error_code& ec, std::size_t n) {
      if (ec) return self->close();  // closed, idle past keep-alive, or reset: nothing to answer
      self->buffer_.commit(n);
      self->read_request();
    });
  }

  // A request has begun: it must arrive whole by the deadline. The stream's
  // own expiry would close the socket; this timer only cancels the read, so
  // the client still gets its 408.
  void read_request() {
    parser_.emplace();
    parser_->header_limit(limits().max_header_bytes);
    parser_->body_limit(limits().max_body_bytes);
    stream_.expires_never();
    timed_out_ = false;
    auto self = shared_from_this();
    deadline_.expires_after(std::chrono::seconds(limits().request_timeout_seconds));
    deadline_.async_wait([self](const beast::error_code& ec) {
      if (ec) return;  // the request arrived (or failed) first
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    http::async_read(stream_, buffer_, *parser_, [self](const beast::error_code& ec, std::size_t) {
      self->deadline_.cancel();
      self->on_request(ec);
    });
  }

  void on_request(const beast::error_code& ec) {
    if (ec && timed_out_) {
      return answer_error(http::status::request_timeout,
                          "the request did not arrive whole within http.request_timeout_seconds (" +
                              std::to_string(limits().request_timeout_seconds) + " s)");
    }
    if (ec == http::error::header_limit)
      return answer_error(http::status::request_header_fields_too_large,
                          "the request's header is over http.max_header_bytes (" +
                              std::to_string(limits().max_header_bytes) + ")");
    if (ec == http::error::body_limit)
      return answer_error(http::status::payload_too_large, "the request's body is over http.max_body_bytes (" +
                                                               std::to_string(limits().max_body_bytes) + ")");
    if (ec && ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
      if (ec == http::error::end_of_stream || ec == http::error::partial_message) return close();
      return answer_error(http::status::bad_request, "malformed request: " + ec.message());
    }
    if (ec) return close();  // reset by the peer, or sitod stopping
    request_ = parser_->release();
    const std::string_view target(request_.target().data(), request_.target().size());
    if (target.empty() || target.front() != '/')
      return answer_error(http::status::bad_request, "the request target must be a path (origin form)");
    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    serve_http(server_, request_, [self, executor](http_reply reply) {
      net::post(executor, [self, reply = std::move(reply)]() mutable { self->send(std::move(reply)); });
    });
  }

  void answer_error(http::status status, const std::string& message) {
    request_ = {};
    request_.version(11);
    http_reply r = http_error(status, message);
    r.close = true;
    send(std::move(r));
  }

  void send(http_reply reply) {
    server_.metrics.count_http_status(static_cast<unsigned>(reply.status));
    const bool keep = !reply.close && request_.keep_alive() && !server_.stopped;
    auto res = std::make_shared<http::response<http::string_body>>(reply.status, request_.version());
    res->set(http::field::server, "sitod");
    res->set(http::field::content_type, reply.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (auto& [name, value] : reply.headers) res->set(name, value);
    res->keep_alive(keep);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    if (request_.method() == http::verb::head) res->body().clear();  // Content-Length stays the GET's
    ++served_;
    stream_.expires_after(std::chrono::seconds(limits().request_timeout_seconds));
    auto self = shared_from_this();
    http::async_write(stream_, *res, [self, res, keep](const beast::error_code& ec, std::size_t) {
      if (ec || !keep) return self->close();
      self->wait_for_request();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  sitod::impl& server_;
  beast::tcp_stream stream_;
  net::steady_timer deadline_{stream_.get_executor()};
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http_request request_;
  uint64_t served_ = 0;
};

}  // namespace

http_reply http_json(std::string body, http::status status) {
  http_reply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  if (r.body.empty() || r.body.back() != '\n') r.body += '\n';
  return r;
}

void sitod::impl::accept_http() {
  http_acceptor->async_accept(net::make_strand(io), [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed on stop
    if (metrics.http_connections_open.load() >= config.http.max_connections) {
      // Full: closed at once, before any byte is read (http.max_connections).
      ++metrics.http_refused;
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      ++metrics.http_connections_open;
      std::make_shared<http_connection>(*this, std::move(socket))->start();
    }
    accept_http();
  });
}

}  // namespace sito::server
