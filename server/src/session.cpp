// A protocol connection (DESIGN §5): the TLS handshake, the Hello, reading
// and verifying frames and dispatching them (handle), the write queue, the
// timers (hello, stalled frames, idle). What each message does is in
// ingest_handler.cpp (PublishBatch), subscription.cpp (Subscribe, Credit,
// Commit, the pump) and admin_handlers.cpp (topics, explain, backfill,
// stats).
#include <chrono>
#include "server_impl.hpp"
#include "session_wire.hpp"
#include "sito/protocol/error_code.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

using namespace sito::wire;
using namespace session_wire;

session::session(sitod::impl& server, tcp::socket socket)
    : server_(server),
      id_(server.next_session_id++),
      tls_(server.tls),
      stream_(std::move(socket), server.ssl_context),
      strand_(net::make_strand(server.io)),
      hello_timer_(server.io),
      activity_timer_(server.io),
      reader_(server.limits()) {
  read_buf_.resize(64 * 1024);
}

session::~session() {
  // close() normally did this; a session dropped with the io_context (stop)
  // must not leave entries behind either.
  server_.progress.forget(id_);
  server_.metrics.write_queue_frames -= write_queue_.size();
}

void session::start() {
  net::dispatch(strand_, [self = shared_from_this()] {
    // The TLS handshake and the Hello within limits.hello_timeout_seconds:
    // a connection that holds a slot and sends nothing (or a byte at a time)
    // is closed.
    uint32_t timeout_s;
    {
      std::lock_guard lock(self->server_.sessions_mutex);  // a reload may change it
      timeout_s = self->server_.config.hello_timeout_seconds;
    }
    self->hello_timer_.expires_after(std::chrono::seconds(timeout_s));
    self->hello_timer_.async_wait(net::bind_executor(self->strand_, [self](const boost::system::error_code& ec) {
      if (ec || self->closed_ || self->authenticated_) return;  // cancelled, closed, or in time
      if (self->tls_ && !self->handshake_done_) ++self->server_.metrics.tls_handshake_failures;
      ++self->server_.metrics.closed_hello_timeout;
      self->close();
    }));
    if (!self->tls_) {
      self->read_more();
      return;
    }
    self->stream_.async_handshake(
        tls_stream::server,
        net::bind_executor(self->strand_, [self](const boost::system::error_code& ec) { self->on_handshake(ec); }));
  });
}

void session::on_handshake(const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) {
    // Not TLS, an old protocol version, a client that rejected our
    // certificate: counted, and the connection is dropped.
    ++server_.metrics.tls_handshake_failures;
    close();
    return;
  }
  handshake_done_ = true;
  read_more();
}

template <typename Buffers, typename Handler>
void session::async_read_some(const Buffers& buffers, Handler&& handler) {
  if (tls_) stream_.async_read_some(buffers, std::forward<Handler>(handler));
  else stream_.next_layer().async_read_some(buffers, std::forward<Handler>(handler));
}

template <typename Buffers, typename Handler>
void session::async_write_all(const Buffers& buffers, Handler&& handler) {
  if (tls_) net::async_write(stream_, buffers, std::forward<Handler>(handler));
  else net::async_write(stream_.next_layer(), buffers, std::forward<Handler>(handler));
}

void session::close() {
  net::dispatch(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    boost::system::error_code ignored;
    // No TLS close_notify: the peer sees the connection end either way, and
    // a stuck peer must not keep the session alive.
    self->hello_timer_.cancel();
    self->activity_timer_.cancel();
    tcp::socket& socket = self->stream_.next_layer();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    self->server_.metrics.write_queue_frames -= self->write_queue_.size();
    self->write_queue_.clear();
    self->server_.progress.forget(self->id_);
    std::lock_guard lock(self->server_.sessions_mutex);
    if (self->server_.sessions.erase(self)) --self->server_.metrics.sessions_open;
    if (self->authenticated_) {
      auto it = self->server_.tenant_sessions.find(self->tenant_);
      if (it != self->server_.tenant_sessions.end() && --it->second == 0) self->server_.tenant_sessions.erase(it);
    }
  });
}

void session::read_more() {
  if (closed_ || busy_) return;
  async_read_some(net::buffer(read_buf_),
                  net::bind_executor(strand_, [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                    self->on_read(ec, n);
                  }));
}

void session::on_read(const boost::system::error_code& ec, size_t n) {
  if (ec) {
    close();
    return;
  }
  reader_.feed(std::span<const uint8_t>(read_buf_.data(), n));
  const uint64_t frames_before = frames_handled_;
  process_frames();
  note_partial_frame(frames_before);
  read_more();
}

void session::note_partial_frame(uint64_t frames_before) {
  // Bytes left once the complete frames are handled are the start of the
  // next frame (busy: complete frames may wait too; the clock restarts
  // when the work is done).
  if (reader_.buffered() == 0) {
    partial_since_.reset();
  } else if (busy_ || !partial_since_ || frames_handled_ != frames_before) {
    partial_since_ = std::chrono::steady_clock::now();
  }
}

void session::watch_activity() {
  // A tick a quarter of the shorter limit apart (at least a second): a
  // frame begun and not finished within frame_timeout_seconds (slow-loris
  // after the Hello), or no frame and no subscription for
  // idle_timeout_seconds, closes the connection.
  uint32_t frame_s, idle_s;
  {
    std::lock_guard lock(server_.sessions_mutex);  // a reload may change them
    frame_s = server_.config.frame_timeout_seconds;
    idle_s = server_.config.idle_timeout_seconds;
  }
  if (frame_s == 0 && idle_s == 0) return;
  const uint32_t shorter = frame_s == 0 ? idle_s : idle_s == 0 ? frame_s : std::min(frame_s, idle_s);
  activity_timer_.expires_after(std::chrono::seconds(std::max<uint32_t>(1, shorter / 4)));
  activity_timer_.async_wait(
      net::bind_executor(strand_, [self = shared_from_this(), frame_s, idle_s](const boost::system::error_code& ec) {
        if (ec || self->closed_) return;
        const auto now = std::chrono::steady_clock::now();
        if (self->busy_) {
          if (self->partial_since_) self->partial_since_ = now;  // the server is the slow one
        } else if (frame_s && self->partial_since_ && now - *self->partial_since_ >= std::chrono::seconds(frame_s)) {
          ++self->server_.metrics.closed_frame_timeout;
          self->close();
          return;
        } else if (idle_s && self->subs_.empty() && now - self->last_frame_at_ >= std::chrono::seconds(idle_s)) {
          ++self->server_.metrics.closed_idle;
          self->close();
          return;
        }
        self->watch_activity();
      }));
}

void session::process_frames() {
  while (!busy_ && !closed_) {
    auto f = reader_.next();
    if (!f) return;
    if (!f->ok()) {
      ++server_.metrics.frames_malformed;
      send_error(0, f->error, f->message);
      if (f->fatal) {
        // Framing is lost: say why, then close once the Error is written.
        auto self = shared_from_this();
        net::post(strand_, [self] { self->close(); });
        return;
      }
      continue;
    }
    ++frames_handled_;
    last_frame_at_ = std::chrono::steady_clock::now();
    handle(*f->envelope(), f->bytes);
  }
}

void session::send(std::vector<uint8_t> framed) {
  if (closed_) return;
  write_queue_.push_back(std::move(framed));
  ++server_.metrics.write_queue_frames;
  if (!writing_) write_next();
}

void session::write_next() {
  if (write_queue_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  auto buf = std::make_shared<std::vector<uint8_t>>(std::move(write_queue_.front()));
  write_queue_.erase(write_queue_.begin());
  --server_.metrics.write_queue_frames;
  async_write_all(net::buffer(*buf),
                  net::bind_executor(strand_, [self = shared_from_this(), buf](const boost::system::error_code& ec, size_t) {
                    if (ec) {
                      self->close();
                      return;
                    }
                    self->write_next();
                    self->pump();  // room in the queue again
                  }));
}

void session::send_error(uint64_t request_id, ErrorCode code, const std::string& message, const std::string& in_reply_to,
                         uint32_t retry_after_ms) {
  send(protocol::encode_error(request_id, code, message, in_reply_to, retry_after_ms));
}

void session::send_error(uint64_t request_id, const status& st, const std::string& in_reply_to,
                         const std::string& prefix) {
  // The code by sito/protocol/error_code.hpp. A store that cannot write
  // (store.hpp, "Disk full") is worth a retry: it reopens itself at most
  // once a second.
  const ErrorCode code = protocol::error_code_of(st.code());
  const uint32_t retry_after_ms = code == ErrorCode::StorageUnavailable ? 1000 : 0;
  send_error(request_id, code, prefix + st.message(), in_reply_to, retry_after_ms);
}

void session::handle(const Envelope& env, const std::vector<uint8_t>&) {
  const uint64_t rid = env.request_id();
  const Message type = env.message_type();
  if (type == Message::Ping) {
    const uint64_t nonce = env.message_as_Ping()->nonce();
    reply(rid, Message::Pong, [&](fb::FlatBufferBuilder& b) { return CreatePong(b, nonce).Union(); });
    return;
  }
  if (type == Message::Hello) {
    on_hello(rid, *env.message_as_Hello());
    return;
  }
  if (!authenticated_) {
    send_error(rid, ErrorCode::Unauthenticated, "send Hello with a valid token first", EnumNameMessage(type));
    return;
  }
  auto need = [&](role r) {
    if (role_ == r || role_ == role::admin) return true;
    send_error(rid, ErrorCode::PermissionDenied,
               std::string("a ") + to_string(role_) + " may not send " + EnumNameMessage(type), EnumNameMessage(type));
    return false;
  };
  switch (type) {
    case Message::PublishBatch:
      if (need(role::producer)) on_publish(rid, *env.message_as_PublishBatch());
      return;
    case Message::Subscribe:
      if (need(role::subscriber)) on_subscribe(rid, *env.message_as_Subscribe());
      return;
    case Message::Credit:
      if (need(role::subscriber)) on_credit(rid, *env.message_as_Credit());
      return;
    case Message::Commit:
      if (need(role::subscriber)) on_commit(rid, *env.message_as_Commit());
      return;
    case Message::UpsertTopics:
      if (need(role::admin)) on_upsert(rid, *env.message_as_UpsertTopics());
      return;
    case Message::DeleteTopics:
      if (need(role::admin)) on_delete(rid, *env.message_as_DeleteTopics());
      return;
    case Message::ListTopics:
      if (need(role::admin)) on_list(rid);
      return;
    case Message::Validate:
      on_validate(rid, *env.message_as_Validate());
      return;
    case Message::Explain:
      if (need(role::admin)) on_explain(rid, *env.message_as_Explain());
      return;
    case Message::Stats:
      if (need(role::admin)) on_stats(rid, *env.message_as_Stats());
      return;
    case Message::Backfill:
      if (need(role::admin)) on_backfill(rid, *env.message_as_Backfill());
      return;
    case Message::AuthorsLink:
    case Message::AuthorsUnlink:
    case Message::AuthorsHistory:
      if (need(role::admin)) on_authors(rid, env);
      return;
    default:
      send_error(rid, ErrorCode::InvalidArgument, std::string(EnumNameMessage(type)) + " is a server-to-client message",
                 EnumNameMessage(type));
  }
}

void session::on_hello(uint64_t rid, const Hello& m) {
  if (m.protocol_version() != protocol_version) {
    send_error(rid, ErrorCode::UnsupportedVersion,
               "protocol version " + std::to_string(m.protocol_version()) + " is not supported; this server speaks 1",
               "Hello");
    return;
  }
  const std::optional<sitod::impl::principal> who = server_.principal_of(sha256_hex(str(m.token())));
  const role wanted = static_cast<role>(m.role());
  if (!who) {
    send_error(rid, ErrorCode::Unauthenticated, "unknown token", "Hello");
    return;
  }
  if (who->granted != wanted && who->granted != role::admin) {
    send_error(rid, ErrorCode::PermissionDenied,
               std::string("this token grants the ") + to_string(who->granted) + " role, not " + to_string(wanted),
               "Hello");
    return;
  }
  if (authenticated_) {
    send_error(rid, ErrorCode::InvalidArgument, "this connection has said Hello already", "Hello");
    return;
  }
  {
    std::lock_guard lock(server_.sessions_mutex);
    uint32_t& open = server_.tenant_sessions[who->tenant];
    if (open >= server_.config.max_connections_per_tenant) {
      ++server_.metrics.refused_tenant_connections;
      send_error(rid, ErrorCode::Overloaded,
                 "tenant '" + who->tenant + "' has " + std::to_string(open) +
                     " connections open, the limit (limits.max_connections_per_tenant)",
                 "Hello");
      return;
    }
    ++open;
  }
  hello_timer_.cancel();
  authenticated_ = true;
  last_frame_at_ = std::chrono::steady_clock::now();
  watch_activity();
  tenant_ = who->tenant;
  role_ = wanted;
  const auto& c = server_.config;
  reply(rid, Message::Welcome, [&](fb::FlatBufferBuilder& b) {
    return CreateWelcomeDirect(b, protocol_version, tenant_.c_str(), c.max_frame_bytes, c.max_batch_posts,
                               c.producer_window, "sitod 0.1.0")
        .Union();
  });
}

}  // namespace sito::server
