// A session's subscriptions: Subscribe (where to start), Credit, Commit
// (written in order, one at a time), and the pump that reads the tenant's
// mention log under credit and sends MentionBatch frames with their posts.
#include "server_impl.hpp"
#include "session_wire.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

using namespace sito::wire;
using namespace session_wire;

void session::on_subscribe(uint64_t rid, const Subscribe& m) {
  subscription s;
  s.name = str(m.name());
  if (s.name.empty()) {
    send_error(rid, ErrorCode::InvalidArgument, "Subscribe needs a name (offsets are committed under it)", "Subscribe");
    return;
  }
  if (s.name.starts_with(connector_offset_prefix)) {  // connectors keep their offsets under these names
    send_error(rid, ErrorCode::InvalidArgument,
               "subscription names starting with '" + std::string(connector_offset_prefix) + "' are reserved for connectors",
               "Subscribe");
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
  s.first_posts_only = m.first_posts_only();
  s.history = std::min<uint32_t>(m.history(), 100);
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

void session::on_alerts(std::shared_ptr<const std::vector<stream_alert>> alerts) {
  net::post(strand_, [self = shared_from_this(), alerts] {
    if (!self->authenticated_ || self->closed_) return;
    for (const auto& entry : self->subs_) {
      const std::string& name = entry.first;  // not a structured binding: captured below
      const subscription& sub = entry.second;
      std::vector<const stream_alert*> wanted;
      for (const auto& a : *alerts)
        if (a.tenant == self->tenant_ && sub.wants_alert(a)) wanted.push_back(&a);
      if (wanted.empty()) continue;
      // Alerts are rare (one per key per cooldown) and not held back by credit.
      self->reply(0, Message::AlertBatch, [&](fb::FlatBufferBuilder& b) {
        std::vector<fb::Offset<Alert>> v;
        for (const stream_alert* a : wanted) v.push_back(alert_to_wire(b, *a));
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
  /// Subscribe.history: by mention, the person's previous mentions.
  std::vector<std::vector<history_entry>> history;
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
    // The history pane reads the index per mention: only for those the
    // subscription wants (its filters are fixed once subscribed).
    std::shared_ptr<const subscription> pane;
    if (sub.history > 0) pane = std::make_shared<const subscription>(sub);
    net::post(server_.workers, [self, sub_name, from, want, pane] {
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
        if (pane) {
          // The history pane: the person's mentions before this one (a
          // history that cannot be read is left empty, never holding up delivery).
          posts->history.resize(mentions->size());
          for (size_t k = 0; k < mentions->size(); ++k) {
            const auto& m = (*mentions)[k];
            if (!pane->wants(m)) continue;
            auto h = self->server_.person_history(self->tenant_, person_directory::author_key(*posts->of[k]), 0,
                                                  pane->history, m.offset);
            if (h.ok()) posts->history[k] = std::move(h).value();
          }
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
          mention_history_offset hv;
          if (!posts->history.empty() && !posts->history[k].empty()) {
            std::vector<fb::Offset<Mention>> hs;
            for (const auto& h : posts->history[k]) hs.push_back(mention_to_wire(b, h.m, &h.p));
            hv = b.CreateVector(hs);
          }
          out.push_back(mention_to_wire(b, m, posts->of[k], hv));
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
          self->send(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize())));
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

}  // namespace sito::server
