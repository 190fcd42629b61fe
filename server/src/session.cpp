#include <chrono>

#include "replaced_versions.hpp"
#include "server_impl.hpp"
#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {
namespace {

using namespace sito::wire;
namespace fb = flatbuffers;

std::string str(const fb::String* s) { return s ? s->str() : std::string(); }

constexpr uint32_t protocol_version = 1;
constexpr uint32_t max_mentions_per_frame = 512;

fb::Offset<fb::Vector<fb::Offset<Diagnostic>>> diagnostics_to_wire(fb::FlatBufferBuilder& b,
                                                                   const std::vector<topic_diagnostic>& ds) {
  std::vector<fb::Offset<Diagnostic>> out;
  for (const auto& d : ds) {
    out.push_back(CreateDiagnosticDirect(
        b, d.topic.c_str(), d.diagnostic.level == query::severity::error ? "error" : "warning", d.diagnostic.offset,
        d.diagnostic.line, d.diagnostic.column, d.diagnostic.message.c_str(), d.diagnostic.hint.c_str()));
  }
  return b.CreateVector(out);
}

}  // namespace

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
  send(encode_error(request_id, code, message, in_reply_to, retry_after_ms));
}

void session::send_error(uint64_t request_id, const status& st, const std::string& in_reply_to,
                         const std::string& prefix) {
  // A store that cannot write (store.hpp, "Disk full") is worth a retry:
  // it reopens itself at most once a second.
  ErrorCode code = ErrorCode::Internal;
  uint32_t retry_after_ms = 0;
  if (st.code() == status_code::unavailable) {
    code = ErrorCode::StorageUnavailable;
    retry_after_ms = 1000;
  } else if (st.code() == status_code::not_found) {
    code = ErrorCode::NotFound;
  }
  send_error(request_id, code, prefix + st.message(), in_reply_to, retry_after_ms);
}

template <typename Build>
void session::reply(uint64_t request_id, Message type, Build&& build) {
  fb::FlatBufferBuilder b(1024);
  fb::Offset<void> msg = build(b);
  FinishEnvelopeBuffer(b, CreateEnvelope(b, request_id, type, msg));
  send(frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize())));
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
      if (need(role::admin)) on_stats(rid);
      return;
    case Message::Backfill:
      if (need(role::admin)) on_backfill(rid, *env.message_as_Backfill());
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

void session::count_unknown_fields(const std::vector<post>& stored_or_duplicate, std::span<const uint32_t> duplicates) {
  server_metrics::unknown_fields_count add;
  size_t next_duplicate = 0;  // duplicates are input indexes, ascending
  for (uint32_t i = 0; i < stored_or_duplicate.size(); ++i) {
    if (next_duplicate < duplicates.size() && duplicates[next_duplicate] == i) {
      ++next_duplicate;
      continue;  // counted when it was stored
    }
    if (const uint32_t n = stored_or_duplicate[i].unknown_fields) {
      ++add.posts;
      add.fields += n;
    }
  }
  if (add.posts == 0) return;
  auto& metrics = server_.metrics;
  std::lock_guard lock(metrics.unknown_fields_mutex);
  auto& c = metrics.unknown_fields[tenant_];
  c.posts += add.posts;
  c.fields += add.fields;
}

void session::on_publish(uint64_t rid, const PublishBatch& m) {
  const auto* posts = m.posts();
  const size_t count = posts ? posts->size() : 0;
  if (count > server_.config.max_batch_posts) {
    send_error(rid, ErrorCode::InvalidArgument,
               "a batch holds at most " + std::to_string(server_.config.max_batch_posts) + " posts, this one " +
                   std::to_string(count),
               "PublishBatch");
    return;
  }
  struct rejected {
    uint32_t index;
    std::string id, reason;
  };
  auto accepted = std::make_shared<std::vector<post>>();
  auto rejects = std::make_shared<std::vector<rejected>>();
  post_limits limits;
  limits.max_field_bytes = server_.config.max_field_bytes;
  limits.max_images = server_.config.max_images_per_post;
  limits.max_image_bytes = server_.config.max_image_bytes;
  for (uint32_t i = 0; i < count; ++i) {
    post p = post_from_wire(*posts->Get(i));
    status st = validate_post(p, limits);
    if (!st.ok()) {
      rejects->push_back({i, p.id, st.message()});
      continue;
    }
    accepted->push_back(std::move(p));
  }
  // The tenant's ingest rate limit, on the posts that would be stored.
  if (const auto d = server_.ingest_limits.admit(tenant_, static_cast<uint32_t>(accepted->size())); !d.admitted) {
    const std::string limit = std::to_string(static_cast<uint64_t>(d.applied.posts_per_second)) +
                              " posts/s, burst " + std::to_string(d.applied.burst_posts) + " posts";
    if (d.never)
      send_error(rid, ErrorCode::InvalidArgument,
                 "a batch of " + std::to_string(accepted->size()) + " valid posts is larger than the ingest burst of tenant '" +
                     tenant_ + "' (" + limit + "): split it",
                 "PublishBatch");
    else
      send_error(rid, ErrorCode::Overloaded,
                 "tenant '" + tenant_ + "' is over its ingest rate limit (" + limit + "); nothing of this batch was " +
                     "stored: send it again after " + std::to_string(d.retry_after_ms) + " ms",
                 "PublishBatch", d.retry_after_ms);
    return;
  }
  server_.metrics.posts_rejected += rejects->size();
  // Durable append off the I/O thread; reading pauses until the ack is out
  // (backpressure: the producer's window fills and its TCP stalls).
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.workers, [self, rid, accepted, rejects] {
    result<server::append_result> appended = server::append_result{};
    if (!accepted->empty()) appended = self->server_.db->append_posts(*accepted, now_ms(), self->tenant_);
    net::post(self->strand_, [self, rid, accepted, rejects, appended] {
      self->busy_ = false;
      if (!appended.ok()) {
        self->send_error(rid, appended.error(), "PublishBatch", "posts were not stored: ");
      } else {
        const server::append_result& a = *appended;
        self->server_.metrics.posts_ingested += a.stored;
        self->server_.metrics.posts_duplicate += a.duplicates.size();
        self->server_.metrics.posts_edited += a.edits;
        self->count_unknown_fields(*accepted, a.duplicates);
        if (a.stored > 0) self->server_.notify_posts_appended();
        self->reply(rid, Message::PublishAck, [&](fb::FlatBufferBuilder& b) {
          std::vector<fb::Offset<RejectedPost>> rs;
          for (const auto& r : *rejects) rs.push_back(CreateRejectedPostDirect(b, r.index, r.id.c_str(), r.reason.c_str()));
          std::vector<fb::Offset<fb::String>> dup_ids;
          for (const uint32_t i : a.duplicates) dup_ids.push_back(b.CreateString((*accepted)[i].id));
          return CreatePublishAck(b, a.stored, a.first_offset, b.CreateVector(rs),
                                  static_cast<uint32_t>(a.duplicates.size()), b.CreateVector(dup_ids), a.edits)
              .Union();
        });
      }
      self->process_frames();
      self->read_more();
    });
  });
}

void session::on_subscribe(uint64_t rid, const Subscribe& m) {
  subscription s;
  s.name = str(m.name());
  if (s.name.empty()) {
    send_error(rid, ErrorCode::InvalidArgument, "Subscribe needs a name (offsets are committed under it)", "Subscribe");
    return;
  }
  if (m.topics())
    for (const auto* t : *m.topics()) s.topics.insert(t->str());
  if (m.tags())
    for (const auto* t : *m.tags()) s.tags.push_back(t->str());
  store& db = *server_.db;
  switch (m.start()) {
    case StartFrom::Latest: s.next = db.next_mention_offset(tenant_); break;
    case StartFrom::Committed: {
      auto c = db.committed_offset(tenant_, s.name);
      s.next = c ? *c + 1 : db.next_mention_offset(tenant_);
      break;
    }
    case StartFrom::Offset: s.next = std::max(m.offset(), db.first_mention_offset(tenant_)); break;
    case StartFrom::Time: {
      auto at = db.mention_offset_at(tenant_, m.time());
      if (!at.ok()) {
        send_error(rid, at.error(), "Subscribe");
        return;
      }
      s.next = *at;
      break;
    }
  }
  s.credit = m.initial_credit();
  s.alerts = m.alerts();
  const uint64_t start = s.next;
  const std::string name = s.name;
  subs_[name] = std::move(s);
  publish_progress(name, start);
  // The acknowledgement is an empty MentionBatch echoing the request id.
  reply(rid, Message::MentionBatch, [&](fb::FlatBufferBuilder& b) {
    (void)start;
    return CreateMentionBatchDirect(b, name.c_str(), nullptr).Union();
  });
  pump();
}

void session::on_credit(uint64_t rid, const Credit& m) {
  auto it = subs_.find(str(m.subscription()));
  if (it == subs_.end()) {
    send_error(rid, ErrorCode::NotFound, "no subscription '" + str(m.subscription()) + "' on this connection", "Credit");
    return;
  }
  it->second.credit += m.mentions();
  pump();
}

void session::on_commit(uint64_t rid, const Commit& m) {
  const std::string name = str(m.subscription());
  if (!subs_.count(name)) {
    send_error(rid, ErrorCode::NotFound, "no subscription '" + name + "' on this connection", "Commit");
    return;
  }
  pending_commits_[name] = {rid, m.offset()};
  write_commits();
}

void session::write_commits() {
  // One write in flight per session, the latest offset of each subscription
  // in it: commits are stored in the order they came (two on the worker
  // pool at once could land the older last and move the offset back).
  if (commit_writing_ || pending_commits_.empty()) return;
  commit_writing_ = true;
  auto batch = std::make_shared<std::map<std::string, pending_commit>>(std::move(pending_commits_));
  pending_commits_.clear();
  net::post(server_.workers, [self = shared_from_this(), batch] {
    std::vector<std::pair<uint64_t, status>> failed;
    for (const auto& [name, c] : *batch)
      if (status st = self->server_.db->commit_offset(self->tenant_, name, c.offset); !st.ok())
        failed.emplace_back(c.request_id, st);
    net::post(self->strand_, [self, failed] {
      self->commit_writing_ = false;
      for (const auto& [rid, st] : failed) self->send_error(rid, st, "Commit");
      self->write_commits();  // also after a close: a commit sent before it counts
    });
  });
}

void session::on_mentions(const std::string& tenant) {
  net::post(strand_, [self = shared_from_this(), tenant] {
    if (self->authenticated_ && self->tenant_ == tenant) self->pump();
  });
}

void session::on_alerts(std::shared_ptr<const std::vector<spike_alert>> alerts) {
  net::post(strand_, [self = shared_from_this(), alerts] {
    if (!self->authenticated_ || self->closed_) return;
    for (const auto& entry : self->subs_) {
      const std::string& name = entry.first;  // not a structured binding: captured below
      const subscription& sub = entry.second;
      std::vector<const spike_alert*> wanted;
      for (const auto& a : *alerts)
        if (a.tenant == self->tenant_ && sub.wants_alert(a)) wanted.push_back(&a);
      if (wanted.empty()) continue;
      // Alerts are rare (one per key per cooldown) and not held back by credit.
      self->reply(0, Message::AlertBatch, [&](fb::FlatBufferBuilder& b) {
        std::vector<fb::Offset<Alert>> v;
        for (const spike_alert* a : wanted) v.push_back(alert_to_wire(b, *a));
        return CreateAlertBatch(b, b.CreateString(name), b.CreateVector(v)).Union();
      });
    }
  });
}

namespace {
/// The posts of a frame's mentions: pointers into the matcher's recent
/// batches (kept alive here) or into posts read from the log.
struct delivered_posts {
  recent_posts::view_type recent;
  std::vector<post> read;
  std::vector<const post*> of;  ///< by mention
};
}  // namespace

void session::pump() {
  if (closed_) return;
  for (auto& [name, sub] : subs_) {
    // A subscriber that stops reading stops being fed: at most
    // subscriber_buffer_mentions wait in this connection's write queue.
    if (sub.reading || sub.credit == 0 ||
        write_queue_.size() * max_mentions_per_frame >= std::max<size_t>(server_.config.subscriber_buffer_mentions, max_mentions_per_frame))
      continue;
    if (sub.next >= server_.db->next_mention_offset(tenant_)) continue;
    sub.reading = true;
    const uint64_t from = sub.next;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(sub.credit, max_mentions_per_frame));
    auto self = shared_from_this();
    const std::string sub_name = name;
    net::post(server_.workers, [self, sub_name, from, want] {
      // Read mentions (some may be filtered out) and their posts, off the I/O threads.
      // A post the matcher committed lately comes from its batch, kept in
      // memory (recent_posts.hpp); older ones, and those with images, from
      // the log.
      auto mentions = std::make_shared<std::vector<mention_record>>();
      auto posts = std::make_shared<delivered_posts>();
      std::vector<mention_record> raw;
      status st = self->server_.db->read_mentions(self->tenant_, from, want, raw);
      uint64_t next = from;
      if (st.ok()) {
        for (auto& m : raw) {
          next = m.offset + 1;
          mentions->push_back(std::move(m));
        }
        posts->recent = self->server_.recent.view();
        posts->read.reserve(mentions->size());  // pointers into it stay valid
        for (auto& m : *mentions) {
          const post* p = recent_posts::find(posts->recent, m.post_offset);
          if (!p) {
            auto r = self->server_.db->read_post(m.post_offset);
            posts->read.push_back(r.ok() ? std::move(r->p) : post{});
            p = &posts->read.back();
          }
          posts->of.push_back(p);
        }
      }
      net::post(self->strand_, [self, sub_name, mentions, posts, next] {
        auto it = self->subs_.find(sub_name);
        if (it == self->subs_.end()) return;
        subscription& s = it->second;
        s.reading = false;
        fb::FlatBufferBuilder b(4096);
        std::vector<fb::Offset<Mention>> out;
        for (size_t k = 0; k < mentions->size(); ++k) {
          const auto& m = (*mentions)[k];
          if (!s.wants(m)) continue;
          out.push_back(mention_to_wire(b, m, posts->of[k]));
        }
        if (next > s.next) {
          s.next = next;
          self->publish_progress(sub_name, s.next);
        }
        if (!out.empty()) {
          s.credit -= std::min<uint64_t>(s.credit, out.size());
          self->server_.metrics.mentions_delivered += out.size();
          auto batch = CreateMentionBatch(b, b.CreateString(sub_name), b.CreateVector(out));
          FinishEnvelopeBuffer(b, CreateEnvelope(b, 0, Message::MentionBatch, batch.Union()));
          self->send(frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize())));
        }
        self->pump();
      });
    });
  }
}

void session::publish_progress(const std::string& name, uint64_t next) {
  if (closed_) return;  // close() already forgot this session's entries
  server_.progress.update(id_, tenant_, name, next);
}

void session::send_topics_result(uint64_t rid, uint64_t version, const std::vector<topic_diagnostic>& diagnostics,
                                 const std::vector<topic_spec>& topics) {
  reply(rid, Message::TopicsResult, [&](fb::FlatBufferBuilder& b) {
    std::vector<fb::Offset<Topic>> ts;
    for (const auto& t : topics) ts.push_back(topic_to_wire(b, t));
    auto tv = b.CreateVector(ts);
    auto dv = diagnostics_to_wire(b, diagnostics);
    return CreateTopicsResult(b, tv, dv, version).Union();
  });
}

void session::on_upsert(uint64_t rid, const UpsertTopics& m) {
  auto topics = std::make_shared<std::vector<topic_spec>>();
  if (m.topics())
    for (const auto* t : *m.topics()) topics->push_back(topic_from_wire(*t, tenant_));
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.workers, [self, rid, topics] {
    // Check the new topics alone first: a broken one is reported, not stored.
    std::vector<topic_diagnostic> diagnostics;
    compile_report report;
    auto probe = compile_topics(*topics, self->server_.compile_opts, &report);
    std::set<std::string> bad;
    for (auto& e : report.errors) bad.insert(e.topic);
    diagnostics = report.errors;
    diagnostics.insert(diagnostics.end(), report.warnings.begin(), report.warnings.end());
    std::vector<topic_spec> stored;  // the reply lists what this upsert stored, not the whole tenant
    for (const auto& t : *topics)
      if (!t.id.empty() && !bad.count(t.id)) stored.push_back(t);
    // One write: a store that cannot write stores none of them.
    const status st = self->server_.db->put_topics(stored);
    result<uint64_t> version = st.ok() ? self->server_.apply_changes(self->tenant_, stored, {}) : result<uint64_t>(st);
    net::post(self->strand_, [self, rid, version, diagnostics, stored] {
      self->busy_ = false;
      if (!version.ok()) self->send_error(rid, version.error(), "UpsertTopics");
      else self->send_topics_result(rid, *version, diagnostics, stored);
      self->process_frames();
      self->read_more();
    });
  });
}

void session::on_delete(uint64_t rid, const DeleteTopics& m) {
  auto ids = std::make_shared<std::vector<std::string>>();
  if (m.ids())
    for (const auto* s : *m.ids()) ids->push_back(s->str());
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.workers, [self, rid, ids] {
    // One write: a store that cannot write deletes none of them.
    std::vector<topic_diagnostic> missing;
    std::vector<std::string> deleted;
    auto absent = self->server_.db->delete_topics(self->tenant_, *ids);
    if (absent.ok()) {
      for (const auto& id : *ids) {
        if (std::find(absent->begin(), absent->end(), id) == absent->end()) {
          deleted.push_back(id);
          continue;
        }
        topic_diagnostic d;
        d.tenant = self->tenant_;
        d.topic = id;
        d.diagnostic.message = "store: topic " + self->tenant_ + "/" + id + " does not exist";
        missing.push_back(d);
      }
    }
    auto version = absent.ok() ? self->server_.apply_changes(self->tenant_, {}, deleted) : result<uint64_t>(absent.error());
    net::post(self->strand_, [self, rid, version, missing] {
      self->busy_ = false;
      if (!version.ok()) self->send_error(rid, version.error(), "DeleteTopics");
      else self->send_topics_result(rid, *version, missing, {});
      self->process_frames();
      self->read_more();
    });
  });
}

void session::on_list(uint64_t rid) {
  auto rs = server_.current_ruleset();
  auto topics = server_.db->topics(tenant_);
  if (!topics.ok()) return send_error(rid, topics.error(), "ListTopics");
  send_topics_result(rid, rs ? rs->version : 0, {}, *topics);
}

void session::on_validate(uint64_t rid, const Validate& m) {
  const std::string q = str(m.query());
  auto parsed = query::parse(q, m.with_channels());
  std::vector<topic_diagnostic> ds;
  for (auto& d : parsed.diagnostics) ds.push_back({tenant_, "", d});
  const std::string canonical = parsed.ok() ? query::print(*parsed.root) : std::string();
  reply(rid, Message::ValidateResult, [&](fb::FlatBufferBuilder& b) {
    auto c = b.CreateString(canonical);
    auto dv = diagnostics_to_wire(b, ds);
    return CreateValidateResult(b, parsed.ok(), c, dv).Union();
  });
}

void session::on_explain(uint64_t rid, const Explain& m) {
  auto rs = server_.current_ruleset();
  const std::string id = str(m.topic());
  if (!m.post()) {
    send_error(rid, ErrorCode::InvalidArgument, "Explain needs a post", "Explain");
    return;
  }
  const post p = post_from_wire(*m.post());
  if (rs) {
    auto [snap, index] = rs->find(tenant_, id);
    if (snap) {
      batch_scanner scanner(snap == rs->snapshot.get() ? rs->snapshot : rs->delta);
      auto e = scanner.explain(p, index);
      if (!e.ok()) {
        send_error(rid, ErrorCode::InvalidArgument, e.error().message(), "Explain");
        return;
      }
      const std::string text = to_string(*e);
      reply(rid, Message::ExplainResult, [&](fb::FlatBufferBuilder& b) {
        return CreateExplainResultDirect(b, e->matched, text.c_str()).Union();
      });
      return;
    }
  }
  // Another tenant's topic is indistinguishable from a missing one.
  send_error(rid, ErrorCode::NotFound, "no topic '" + id + "'", "Explain");
}

void session::on_backfill(uint64_t rid, const Backfill& m) {
  const std::string id = str(m.topic());
  const int64_t from_ms = m.from_time(), to_ms = m.to_time();
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.background, [self, rid, id, from_ms, to_ms] {
    // The topic alone, compiled into its own snapshot, over the retained
    // posts the live matcher took before the topic (as it is now) went live;
    // mentions are appended marked backfill.
    uint64_t scanned = 0, produced = 0;
    status st = ok_status();
    std::vector<topic_spec> topics;
    auto stored = self->server_.db->topics(self->tenant_);
    if (!stored.ok()) st = stored.error();
    else
      for (auto& t : *stored)
        if (t.id == id) topics.push_back(t);
    if (st.ok() && topics.empty()) st = not_found("no topic '" + id + "'");
    std::shared_ptr<const ruleset_snapshot> snap;
    if (st.ok()) {
      auto compiled = compile_topics(topics, self->server_.compile_opts);
      if (!compiled.ok()) st = compiled.error();
      else if ((*compiled)->topics.empty()) st = invalid_argument("topic '" + id + "' does not compile");
      else snap = *compiled;
    }
    if (st.ok()) {
      batch_scanner scanner(snap);
      scan_output out;
      std::vector<stored_post> batch;
      std::vector<post> posts;
      // Up to where the matcher began to match with the topic as it is now:
      // the posts after that are matched live, and those before it only here.
      const auto span = self->server_.backfill_range(self->tenant_, id);
      const uint64_t end = span.end;
      for (uint64_t from = span.begin; from < end && st.ok();) {
        batch.clear();
        st = self->server_.db->read_posts(from, static_cast<size_t>(std::min<uint64_t>(4096, end - from)), batch);
        if (!st.ok() || batch.empty()) break;
        from = batch.back().offset + 1;
        posts.clear();
        std::vector<uint64_t> offsets;
        std::vector<int64_t> ingested;
        for (auto& sp : batch) {
          if ((from_ms && sp.ingested_at_ms < from_ms) || (to_ms && sp.ingested_at_ms > to_ms)) continue;
          offsets.push_back(sp.offset);
          ingested.push_back(sp.ingested_at_ms);
          posts.push_back(std::move(sp.p));
        }
        scanned += posts.size();
        // An edit gives the topic's mention only if its earlier version did not.
        const auto earlier = server::detail::topics_of_replaced(*self->server_.db, scanner, batch);
        scanner.scan(posts, out);
        std::vector<mention_record> mentions;
        for (const auto& x : out.matches) {
          if (auto e = earlier.find(offsets[x.post]); e != earlier.end() && e->second.count(x.topic)) continue;
          mention_record r;
          r.post_offset = offsets[x.post];
          r.ingested_at_ms = ingested[x.post];
          r.matched_at_ms = now_ms();
          r.backfill = true;
          annotate_mention(r, out, x, *snap);
          mentions.push_back(std::move(r));
        }
        produced += mentions.size();
        if (!mentions.empty()) st = self->server_.db->append_mentions(mentions);
        // What is stored is done: a backfill sent again after a failure
        // (the store could not write) goes on from here, not from the start.
        if (st.ok()) self->server_.backfill_done(self->tenant_, id, {span.version, span.begin, from});
      }
      if (st.ok()) self->server_.backfill_done(self->tenant_, id, span);
    }
    net::post(self->strand_, [self, rid, st, scanned, produced] {
      self->busy_ = false;
      if (!st.ok()) {
        self->send_error(rid, st, "Backfill");
      } else {
        self->reply(rid, Message::BackfillResult,
                    [&](fb::FlatBufferBuilder& b) { return CreateBackfillResult(b, scanned, produced).Union(); });
        if (produced) self->server_.notify_mentions({self->tenant_});
      }
      self->process_frames();
      self->read_more();
    });
  });
}

void session::on_stats(uint64_t rid) {
  const auto& mt = server_.metrics;
  const auto tenant_topics = server_.db->topics(tenant_);  // -1 when the store cannot be read
  std::vector<std::pair<std::string, double>> cs = {
      {"posts_ingested", double(mt.posts_ingested)},
      {"posts_matched", double(mt.posts_matched)},
      {"mentions_committed", double(mt.mentions_committed)},
      {"mentions_delivered", double(mt.mentions_delivered)},
      {"snapshot_version", double(mt.snapshot_version)},
      {"delta_topics", double(mt.delta_topics)},
      {"tenant_topics", tenant_topics.ok() ? double(tenant_topics->size()) : -1.0},
      {"tenant_mention_offset", double(server_.db->next_mention_offset(tenant_))},
      {"matcher_batches", double(mt.matcher_batches)},
  };
  for (int k = 0; k < server_metrics::matcher_stage_count; ++k)
    cs.push_back({std::string("matcher_") + server_metrics::matcher_stage_names[k] + "_us",
                  double(mt.matcher_stage_us[k])});
  const auto rows = server_.stats.summary(tenant_, now_ms());
  const auto alerts = server_.stats.recent_alerts(tenant_);
  reply(rid, Message::StatsResult, [&](fb::FlatBufferBuilder& b) {
    std::vector<fb::Offset<Counter>> v;
    for (auto& [k, val] : cs) v.push_back(CreateCounterDirect(b, k.c_str(), val));
    std::vector<fb::Offset<Aggregate>> ag;
    auto counts = [&](const sentiment_counts& c) { return CreateSentimentCounts(b, c.negative, c.neutral, c.positive); };
    for (const auto& r : rows) {
      auto topic = b.CreateString(r.topic);
      auto tag = b.CreateString(r.tag);
      auto minute = counts(r.minute), hour = counts(r.hour), day = counts(r.day);
      ag.push_back(CreateAggregate(b, topic, tag, minute, hour, day, r.hour.loyalty(), r.day.loyalty(),
                                   r.share_of_voice_hour, r.share_of_voice_day));
    }
    std::vector<fb::Offset<Alert>> al;
    for (const auto& a : alerts) al.push_back(alert_to_wire(b, a));
    return CreateStatsResult(b, b.CreateVector(v), b.CreateVector(ag), b.CreateVector(al)).Union();
  });
}

}  // namespace sito::server
