#include "sito/client/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <deque>
#include <thread>
#include <utility>

#include "net.hpp"
#include "sito/protocol/error_code.hpp"
#include "sito/protocol/frame_codec.hpp"
#include "sito/protocol/wire_convert.hpp"

namespace sito::client {
namespace {

namespace fb = flatbuffers;
using namespace sito::wire;

using protocol::str;

/// A received Error as a status (sito/protocol/error_code.hpp), its message
/// led by the wire code's name: "NotFound: no topic 'x'".
status error_of(const Error& e) {
  const status_code code = protocol::status_code_of(e.code());
  return status(code == status_code::ok ? status_code::internal : code,
                std::string(EnumNameErrorCode(e.code())) + ": " + str(e.message()));
}

alert alert_from_wire(const Alert& w) {
  alert a{w.id(), str(w.tenant()), str(w.topic()), str(w.tag()), w.at_ms(), w.count(), w.baseline(), w.threshold()};
  a.kind = w.kind() == AlertKind::Campaign ? "campaign" : "spike";
  a.first_post = str(w.first_post());
  a.authors = w.authors();
  return a;
}

std::vector<diagnostic> diagnostics_from(const fb::Vector<fb::Offset<Diagnostic>>* v) {
  std::vector<diagnostic> out;
  if (!v) return out;
  for (const auto* d : *v)
    out.push_back({str(d->topic()), str(d->severity()), str(d->message()), str(d->hint()), d->offset(), d->line(),
                   d->column()});
  return out;
}

}  // namespace

struct connection::impl {
  using tls_stream = sito::tls_stream;
  net::io_context io;
  net::ssl::context ssl_ctx{net::ssl::context::tls_client};
  tls_stream stream{io, ssl_ctx};  ///< without TLS only its next_layer() (the socket) is used
  bool tls = false;
  protocol::frame_reader reader;
  std::string tenant;
  uint64_t next_request = 1;
  std::chrono::milliseconds timeout{10'000};
  bool resend_refused = true;
  connection_options options;  ///< what open() was given (publish reconnects with them)
  bool lost = false;           ///< a write or read failed: the server closed the connection
  std::deque<protocol::decoded_frame> pushes;  ///< MentionBatch frames that arrived while waiting for a reply
  std::vector<alert> alerts;                 ///< AlertBatch contents not yet taken
  std::vector<uint8_t> buf = std::vector<uint8_t>(64 * 1024);
  uint32_t last_retry_after_ms = 0;  ///< of the last request's Error (a rate limit's wait), else 0

  status write(const std::vector<uint8_t>& framed) {
    boost::system::error_code ec;
    if (tls) net::write(stream, net::buffer(framed), ec);
    else net::write(stream.next_layer(), net::buffer(framed), ec);
    if (ec) {
      lost = true;
      return unavailable("write to sitod failed: " + ec.message());
    }
    return ok_status();
  }

  /// The next complete frame, waiting at most `wait`.
  result<protocol::decoded_frame> read_frame(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (auto f = reader.next()) return std::move(*f);
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0)) return unavailable("timed out waiting for sitod");
      boost::system::error_code ec;
      size_t n = 0;
      bool done = false;
      auto on_read = [&](const boost::system::error_code& e, size_t got) {
        ec = e;
        n = got;
        done = true;
      };
      if (tls) stream.async_read_some(net::buffer(buf), on_read);
      else stream.next_layer().async_read_some(net::buffer(buf), on_read);
      io.restart();
      io.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(left));
      if (!done) {
        stream.next_layer().cancel();
        io.restart();
        io.run();  // let the cancelled handler finish
        return unavailable("timed out waiting for sitod");
      }
      if (ec) {
        lost = true;
        return unavailable("connection to sitod lost: " + ec.message());
      }
      reader.feed(std::span<const uint8_t>(buf.data(), n));
    }
  }

  /// Sets up verification before connecting (see connection_options).
  status configure_tls(const connection_options& o) {
    tls = true;
    boost::system::error_code ec;
    if (SSL_CTX_set_min_proto_version(ssl_ctx.native_handle(), TLS1_2_VERSION) != 1)
      return internal_error("cannot require TLS 1.2 or later");
    if (!o.ca_file.empty()) {
      ssl_ctx.load_verify_file(o.ca_file, ec);
      if (ec) return invalid_argument("cannot load the CA file '" + o.ca_file + "': " + ec.message());
    } else {
      ssl_ctx.set_default_verify_paths(ec);
      if (ec) return internal_error("cannot load the system's trust store: " + ec.message());
    }
    if (o.verify_peer) {
      stream.set_verify_mode(net::ssl::verify_peer, ec);
      // The chain must verify and the leaf must name the host we dialled;
      // a mismatch is reported as such, not as a bare "verify failed".
      stream.set_verify_callback(
          [check = net::ssl::host_name_verification(o.host)](bool preverified, net::ssl::verify_context& ctx) {
            if (!preverified) return false;
            if (check(preverified, ctx)) return true;
            X509_STORE_CTX_set_error(ctx.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
            return false;
          },
          ec);
    } else {
      stream.set_verify_mode(net::ssl::verify_none, ec);
    }
    if (ec) return internal_error("cannot set up certificate verification: " + ec.message());
    // SNI, for names only (RFC 6066 forbids IP literals).
    boost::system::error_code not_ip;
    (void)net::ip::make_address(o.host, not_ip);
    if (not_ip && SSL_set_tlsext_host_name(stream.native_handle(), o.host.c_str()) != 1)
      return invalid_argument("bad TLS server name '" + o.host + "'");
    return ok_status();
  }

  /// The client side of the TLS handshake, bounded by `wait`.
  status handshake(const std::string& where, std::chrono::milliseconds wait) {
    boost::system::error_code ec;
    bool done = false;
    stream.async_handshake(tls_stream::client, [&](const boost::system::error_code& e) {
      ec = e;
      done = true;
    });
    io.restart();
    io.run_for(wait);
    if (!done) {
      stream.next_layer().cancel();
      io.restart();
      io.run();
      return unavailable("TLS handshake with " + where + " timed out");
    }
    if (!ec) return ok_status();
    std::string reason = ec.message();
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    return unavailable("TLS handshake with " + where + " failed: " + reason);
  }

  template <typename Build>
  result<protocol::decoded_frame> request(Message type, Build&& build, Message expected) {
    const uint64_t rid = next_request++;
    last_retry_after_ms = 0;
    fb::FlatBufferBuilder b(1024);
    fb::Offset<void> msg = build(b);
    FinishEnvelopeBuffer(b, CreateEnvelope(b, rid, type, msg));
    SITO_RETURN_IF_ERROR(write(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()))));
    for (;;) {
      SITO_ASSIGN_OR_RETURN(protocol::decoded_frame f, read_frame(timeout));
      if (!f.ok()) return internal_error("sitod sent a malformed frame: " + f.message);
      const Envelope* env = f.envelope();
      if (env->message_type() == Message::Error && (env->request_id() == rid || env->request_id() == 0)) {
        const auto* e = env->message_as_Error();
        last_retry_after_ms = e->retry_after_ms();
        return error_of(*e);
      }
      if (env->request_id() == rid && env->message_type() == expected) return f;
      if ((env->message_type() == Message::MentionBatch || env->message_type() == Message::AlertBatch) &&
          env->request_id() == 0)
        pushes.push_back(std::move(f));
      // Anything else (a late reply) is dropped.
    }
  }
};

connection::connection() : impl_(std::make_unique<impl>()) {}
connection::~connection() = default;
const std::string& connection::tenant() const { return impl_->tenant; }

result<std::unique_ptr<connection>> connection::open(const connection_options& options) {
  std::unique_ptr<connection> c(new connection());
  impl& d = *c->impl_;
  d.options = options;
  d.timeout = options.timeout;
  d.resend_refused = options.resend_refused;
  if (options.tls) SITO_RETURN_IF_ERROR(d.configure_tls(options));
  boost::system::error_code ec;
  tcp::resolver resolver(d.io);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec) return unavailable("cannot resolve " + options.host + ": " + ec.message());
  const std::string where = options.host + ":" + std::to_string(options.port);
  net::connect(d.stream.next_layer(), endpoints, ec);
  if (ec) return unavailable("cannot connect to " + where + ": " + ec.message());
  d.stream.next_layer().set_option(tcp::no_delay(true));
  if (d.tls) SITO_RETURN_IF_ERROR(d.handshake(where, options.timeout));
  SITO_ASSIGN_OR_RETURN(auto f, d.request(
                                    Message::Hello,
                                    [&](fb::FlatBufferBuilder& b) {
                                      return CreateHelloDirect(b, 1, static_cast<Role>(options.as),
                                                               options.token.c_str(), options.client_name.c_str())
                                          .Union();
                                    },
                                    Message::Welcome));
  d.tenant = str(f.envelope()->message_as_Welcome()->tenant());
  return c;
}

result<publish_ack> connection::publish(const std::vector<post>& posts) {
  // A batch the tenant's ingest rate limit refuses (Overloaded with a
  // retry_after_ms), or that a store which cannot write refuses
  // (StorageUnavailable, likewise), is sent again after that wait, within
  // the timeout.
  const auto deadline = std::chrono::steady_clock::now() + impl_->timeout;
  result<protocol::decoded_frame> got = internal_error("no reply");
  bool reconnected = false;
  for (;;) {
    got = impl_->request(
        Message::PublishBatch,
        [&](fb::FlatBufferBuilder& b) {
          std::vector<fb::Offset<Post>> ps;
          for (const auto& p : posts) ps.push_back(protocol::post_to_wire(b, p));
          return CreatePublishBatch(b, b.CreateVector(ps)).Union();
        },
        Message::PublishAck);
    if (!got.ok() && impl_->lost && !reconnected) {
      // The server closed the connection (its idle timeout, a restart):
      // once more on a new one. Ingest is idempotent: a batch that was
      // stored before the close comes back acknowledged as duplicates.
      reconnected = true;
      if (auto fresh = connection::open(impl_->options); fresh.ok()) {
        std::swap(impl_, (*fresh)->impl_);
        continue;
      }
    }
    const std::chrono::milliseconds wait(impl_->last_retry_after_ms);
    if (got.ok() || wait.count() == 0 || !impl_->resend_refused ||
        std::chrono::steady_clock::now() + wait > deadline)
      break;
    std::this_thread::sleep_for(wait);
  }
  SITO_ASSIGN_OR_RETURN(auto f, std::move(got));
  const auto* a = f.envelope()->message_as_PublishAck();
  publish_ack ack{a->accepted(), a->first_offset(), {}, {}, a->edits()};
  if (a->rejected())
    for (const auto* r : *a->rejected()) ack.rejected.push_back({r->index(), str(r->post_id()), str(r->reason())});
  if (a->duplicate_ids())
    for (const auto* id : *a->duplicate_ids()) ack.duplicate_ids.push_back(str(id));
  return ack;
}

namespace {
result<topics_result> topics_from(const protocol::decoded_frame& f, const std::string& tenant) {
  const auto* r = f.envelope()->message_as_TopicsResult();
  topics_result out;
  if (r->topics())
    for (const auto* t : *r->topics()) out.topics.push_back(protocol::topic_from_wire(*t, tenant));
  out.diagnostics = diagnostics_from(r->diagnostics());
  out.snapshot_version = r->snapshot_version();
  return out;
}
}  // namespace

result<topics_result> connection::upsert_topics(const std::vector<topic_spec>& topics) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::UpsertTopics,
                                    [&](fb::FlatBufferBuilder& b) {
                                      std::vector<fb::Offset<Topic>> ts;
                                      for (const auto& t : topics) ts.push_back(protocol::topic_to_wire(b, t));
                                      return CreateUpsertTopics(b, b.CreateVector(ts)).Union();
                                    },
                                    Message::TopicsResult));
  return topics_from(f, impl_->tenant);
}

result<topics_result> connection::delete_topics(const std::vector<std::string>& ids) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::DeleteTopics,
                                    [&](fb::FlatBufferBuilder& b) {
                                      return CreateDeleteTopics(b, b.CreateVectorOfStrings(ids)).Union();
                                    },
                                    Message::TopicsResult));
  return topics_from(f, impl_->tenant);
}

result<topics_result> connection::list_topics() {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::ListTopics,
                                    [&](fb::FlatBufferBuilder& b) { return CreateListTopics(b).Union(); },
                                    Message::TopicsResult));
  return topics_from(f, impl_->tenant);
}

result<validate_result> connection::validate(const std::string& query, bool with_channels) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::Validate,
                                    [&](fb::FlatBufferBuilder& b) {
                                      return CreateValidateDirect(b, query.c_str(), with_channels).Union();
                                    },
                                    Message::ValidateResult));
  const auto* r = f.envelope()->message_as_ValidateResult();
  return validate_result{r->ok(), str(r->canonical()), diagnostics_from(r->diagnostics())};
}

result<std::pair<bool, std::string>> connection::explain(const std::string& topic, const post& p) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::Explain,
                                    [&](fb::FlatBufferBuilder& b) {
                                      auto tp = b.CreateString(topic);
                                      auto pp = protocol::post_to_wire(b, p);
                                      return CreateExplain(b, tp, pp).Union();
                                    },
                                    Message::ExplainResult));
  const auto* r = f.envelope()->message_as_ExplainResult();
  return std::make_pair(r->matched(), str(r->text()));
}

result<std::vector<std::pair<std::string, double>>> connection::stats() {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::Stats, [&](fb::FlatBufferBuilder& b) { return CreateStats(b).Union(); },
                                    Message::StatsResult));
  std::vector<std::pair<std::string, double>> out;
  const auto* r = f.envelope()->message_as_StatsResult();
  if (r->counters())
    for (const auto* c : *r->counters()) out.push_back({str(c->name()), c->value()});
  return out;
}

result<tenant_stats> connection::full_stats() {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::Stats, [&](fb::FlatBufferBuilder& b) { return CreateStats(b).Union(); },
                                    Message::StatsResult));
  tenant_stats out;
  const auto* r = f.envelope()->message_as_StatsResult();
  if (r->counters())
    for (const auto* c : *r->counters()) out.counters.push_back({str(c->name()), c->value()});
  auto counts = [](const SentimentCounts* c) {
    sentiment_counts x;
    if (c) {
      x.negative = c->negative();
      x.neutral = c->neutral();
      x.positive = c->positive();
    }
    return x;
  };
  if (r->aggregates())
    for (const auto* a : *r->aggregates()) {
      aggregate_row row;
      row.topic = str(a->topic());
      row.tag = str(a->tag());
      row.minute = counts(a->minute());
      row.hour = counts(a->hour());
      row.day = counts(a->day());
      row.loyalty_hour = a->loyalty_hour();
      row.loyalty_day = a->loyalty_day();
      row.share_of_voice_hour = a->share_of_voice_hour();
      row.share_of_voice_day = a->share_of_voice_day();
      out.aggregates.push_back(std::move(row));
    }
  if (r->alerts())
    for (const auto* a : *r->alerts()) out.alerts.push_back(alert_from_wire(*a));
  return out;
}

result<std::vector<period_row>> connection::periods(const period_request& q) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::Stats,
                                    [&](fb::FlatBufferBuilder& b) {
                                      std::vector<fb::Offset<fb::String>> among;
                                      for (const auto& t : q.among) among.push_back(b.CreateString(t));
                                      return CreateStatsDirect(b, q.topic.c_str(), q.tag.c_str(), q.from.c_str(),
                                                               q.to.c_str(), q.by.c_str(), &among, q.time_zone.c_str())
                                          .Union();
                                    },
                                    Message::StatsResult));
  std::vector<period_row> out;
  const auto* r = f.envelope()->message_as_StatsResult();
  if (r->periods())
    for (const auto* p : *r->periods()) {
      period_row row;
      row.from_ms = p->from_ms();
      row.to_ms = p->to_ms();
      row.from = str(p->from());
      row.to = str(p->to());
      row.topic = str(p->topic());
      row.tag = str(p->tag());
      row.mentions = p->mentions();
      row.negative = p->negative();
      row.neutral = p->neutral();
      row.positive = p->positive();
      row.loyalty = p->loyalty();
      row.authors = p->authors();
      row.audience = p->audience();
      row.reach = p->reach();
      row.engagement = p->engagement();
      row.er = p->er();
      row.wom = p->wom();
      row.wom_share = p->wom_share();
      row.nps = p->nps();
      row.share_of_voice = p->share_of_voice();
      row.estimated = p->estimated();
      out.push_back(std::move(row));
    }
  return out;
}

std::vector<alert> connection::take_alerts() { return std::exchange(impl_->alerts, {}); }

result<std::pair<uint64_t, uint64_t>> connection::backfill(const std::string& topic, int64_t from_ms, int64_t to_ms) {
  const auto saved = impl_->timeout;
  impl_->timeout = std::max(impl_->timeout, std::chrono::milliseconds(600'000));  // a long scan
  auto f = impl_->request(
      Message::Backfill,
      [&](fb::FlatBufferBuilder& b) { return CreateBackfillDirect(b, topic.c_str(), from_ms, to_ms).Union(); },
      Message::BackfillResult);
  impl_->timeout = saved;
  if (!f.ok()) return f.error();
  const auto* r = f->envelope()->message_as_BackfillResult();
  return std::make_pair(r->posts_scanned(), r->mentions());
}

status connection::ping() {
  auto f = impl_->request(
      Message::Ping, [&](fb::FlatBufferBuilder& b) { return CreatePing(b, 42).Union(); }, Message::Pong);
  return f.ok() ? ok_status() : f.error();
}

status connection::subscribe(const subscription_options& o) {
  auto f = impl_->request(
      Message::Subscribe,
      [&](fb::FlatBufferBuilder& b) {
        auto name = b.CreateString(o.name);
        auto topics = b.CreateVectorOfStrings(o.topics);
        auto tags = b.CreateVectorOfStrings(o.tags);
        return CreateSubscribe(b, name, topics, tags, static_cast<StartFrom>(o.start), o.offset, o.time_ms, o.credit,
                               o.alerts, o.first_posts_only, o.history)
            .Union();
      },
      Message::MentionBatch);
  return f.ok() ? ok_status() : f.error();
}

namespace {
/// A delivered wire Mention (and its history, one level deep) as a client mention.
mention mention_from(const Mention& w, int depth = 0) {
  const Mention* m = &w;
  mention x;
  x.offset = m->offset();
  x.tenant = str(m->tenant());
  x.topic = str(m->topic());
  x.post_offset = m->post_offset();
  x.ingested_at_ms = m->ingested_at_ms();
  x.matched_at_ms = m->matched_at_ms();
  x.snapshot_version = m->snapshot_version();
  x.backfill = m->backfill();
  x.from_image = m->from_image();
  x.sentiment = static_cast<uint8_t>(m->sentiment());
  x.sentiment_source = str(m->sentiment_source());
  x.priority = m->priority();
  x.processed = m->processed();
  x.wom = m->wom();
  x.duplicate_of = str(m->duplicate_of());
  x.duplicates = m->duplicates();
  x.person_id = str(m->person_id());
  if (m->highlights())
    for (const auto* h : *m->highlights())
      if (h) x.highlights.push_back({str(h->field()), h->start(), h->end(), str(h->term())});
  x.tags = protocol::strings(m->tags());
  if (m->post()) x.p = protocol::post_from_wire(*m->post());
  if (m->history() && depth == 0)
    for (const auto* h : *m->history())
      if (h) x.history.push_back(mention_from(*h, depth + 1));
  return x;
}

person person_from(const AuthorsResult& r) {
  person out;
  out.person_id = str(r.person_id());
  out.members = protocol::strings(r.members());
  if (r.links())
    for (const auto* l : *r.links())
      if (l) out.links.emplace_back(str(l->a()), str(l->b()));
  if (r.mentions())
    for (const auto* m : *r.mentions())
      if (m) out.mentions.push_back(mention_from(*m, 1));
  return out;
}
}  // namespace

result<person> connection::link_authors(const std::string& a, const std::string& b) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::AuthorsLink,
                                    [&](fb::FlatBufferBuilder& fbb) {
                                      return CreateAuthorsLinkDirect(fbb, a.c_str(), b.c_str()).Union();
                                    },
                                    Message::AuthorsResult));
  return person_from(*f.envelope()->message_as_AuthorsResult());
}

result<person> connection::unlink_authors(const std::string& author, const std::string& other) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::AuthorsUnlink,
                                    [&](fb::FlatBufferBuilder& fbb) {
                                      return CreateAuthorsUnlinkDirect(fbb, author.c_str(), other.c_str()).Union();
                                    },
                                    Message::AuthorsResult));
  return person_from(*f.envelope()->message_as_AuthorsResult());
}

result<person> connection::author_history(const std::string& author, const std::string& since, uint32_t limit,
                                          uint64_t before) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->request(
                                    Message::AuthorsHistory,
                                    [&](fb::FlatBufferBuilder& fbb) {
                                      return CreateAuthorsHistoryDirect(fbb, author.c_str(), since.c_str(), limit, before)
                                          .Union();
                                    },
                                    Message::AuthorsResult));
  return person_from(*f.envelope()->message_as_AuthorsResult());
}

result<std::vector<mention>> connection::next_mentions(std::chrono::milliseconds timeout) {
  std::vector<mention> out;
  protocol::decoded_frame f;
  if (!impl_->pushes.empty()) {
    f = std::move(impl_->pushes.front());
    impl_->pushes.pop_front();
  } else {
    auto r = impl_->read_frame(timeout);
    if (!r.ok()) {
      if (r.error().message().find("timed out") != std::string::npos) return out;
      return r.error();
    }
    f = std::move(*r);
  }
  if (!f.ok()) return internal_error("sitod sent a malformed frame: " + f.message);
  const Envelope* env = f.envelope();
  if (env->message_type() == Message::Error) return error_of(*env->message_as_Error());
  if (env->message_type() == Message::AlertBatch) {
    if (const auto* alerts = env->message_as_AlertBatch()->alerts())
      for (const auto* a : *alerts)
        if (a) impl_->alerts.push_back(alert_from_wire(*a));
    return next_mentions(timeout);  // alerts are a side channel: wait on for mentions
  }
  if (env->message_type() != Message::MentionBatch) return out;
  const auto* batch = env->message_as_MentionBatch();
  if (!batch->mentions()) return out;
  for (const auto* m : *batch->mentions())
    if (m) out.push_back(mention_from(*m));
  return out;
}

status connection::credit(const std::string& subscription, uint32_t mentions) {
  fb::FlatBufferBuilder b(256);
  auto c = CreateCreditDirect(b, subscription.c_str(), mentions);
  FinishEnvelopeBuffer(b, CreateEnvelope(b, impl_->next_request++, Message::Credit, c.Union()));
  return impl_->write(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize())));
}

status connection::commit(const std::string& subscription, uint64_t offset) {
  fb::FlatBufferBuilder b(256);
  auto c = CreateCommitDirect(b, subscription.c_str(), offset);
  FinishEnvelopeBuffer(b, CreateEnvelope(b, impl_->next_request++, Message::Commit, c.Union()));
  return impl_->write(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize())));
}

status connection::send_raw(const std::vector<uint8_t>& bytes) { return impl_->write(bytes); }

result<std::string> connection::read_error(std::chrono::milliseconds timeout) {
  SITO_ASSIGN_OR_RETURN(auto f, impl_->read_frame(timeout));
  if (!f.ok()) return internal_error("malformed frame from sitod: " + f.message);
  if (f.envelope()->message_type() != Message::Error) return not_found("not an Error frame");
  const auto* e = f.envelope()->message_as_Error();
  return std::string(EnumNameErrorCode(e->code())) + ": " + str(e->message());
}

// ---- subscriber ---------------------------------------------------------

subscriber::subscriber(connection_options connection, subscription_options subscription)
    : conn_opts_(std::move(connection)), sub_opts_(std::move(subscription)) {}
subscriber::~subscriber() = default;

status subscriber::ensure_connected() {
  if (conn_) return ok_status();
  SITO_ASSIGN_OR_RETURN(conn_, connection::open(conn_opts_));
  subscription_options o = sub_opts_;
  if (have_offset_) {
    // Resume right after what was handed out, whatever the original start.
    o.start = start_from::offset;
    o.offset = last_offset_ + 1;
  }
  status st = conn_->subscribe(o);
  if (!st.ok()) conn_.reset();
  return st;
}

result<std::vector<mention>> subscriber::next(std::chrono::milliseconds timeout) {
  SITO_RETURN_IF_ERROR(ensure_connected());
  auto batch = conn_->next_mentions(timeout);
  if (!batch.ok()) {
    conn_.reset();  // reconnect on the next call
    return batch.error();
  }
  std::vector<mention> out;
  for (auto& m : *batch) {
    if (have_offset_ && m.offset <= last_offset_) continue;  // redelivered after a resume
    last_offset_ = m.offset;
    have_offset_ = true;
    out.push_back(std::move(m));
  }
  if (!batch->empty()) {
    status st = conn_->credit(sub_opts_.name, static_cast<uint32_t>(batch->size()));
    if (!st.ok()) conn_.reset();
  }
  return out;
}

std::vector<alert> subscriber::take_alerts() {
  return conn_ ? conn_->take_alerts() : std::vector<alert>{};
}

status subscriber::commit() {
  if (!have_offset_) return ok_status();
  SITO_RETURN_IF_ERROR(ensure_connected());
  return conn_->commit(sub_opts_.name, last_offset_);
}

}  // namespace sito::client
