// The admin role's messages: UpsertTopics, DeleteTopics, ListTopics,
// Validate, Explain, Backfill (the job itself: backfill_job.cpp; Stats:
// stats_handler.cpp).
#include "server_impl.hpp"
#include "session_wire.hpp"
#include "sito/compile/validate.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

using namespace sito::wire;
using namespace session_wire;

void session::send_topics_result(uint64_t rid, uint64_t version, const std::vector<topic_diagnostic>& diagnostics,
                                 const std::vector<topic_spec>& topics) {
  reply(rid, Message::TopicsResult, [&](fb::FlatBufferBuilder& b) {
    std::vector<fb::Offset<Topic>> ts;
    for (const auto& t : topics) ts.push_back(protocol::topic_to_wire(b, t));
    auto tv = b.CreateVector(ts);
    auto dv = diagnostics_to_wire(b, diagnostics);
    return CreateTopicsResult(b, tv, dv, version).Union();
  });
}

void session::on_upsert(uint64_t rid, const UpsertTopics& m) {
  auto topics = std::make_shared<std::vector<topic_spec>>();
  if (m.topics())
    for (const auto* t : *m.topics()) topics->push_back(protocol::topic_from_wire(*t, tenant_));
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.workers, [self, rid, topics] {
    auto outcome = self->server_.upsert_topics(self->tenant_, *topics);
    net::post(self->strand_, [self, rid, outcome = std::move(outcome)] {
      self->busy_ = false;
      if (!outcome.ok()) self->send_error(rid, outcome.error(), "UpsertTopics");
      else self->send_topics_result(rid, outcome->version, outcome->diagnostics, outcome->stored);
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
    // Kafka mode: tombstones on the topics topic first (every node drops them).
    if (self->server_.kafka)
      if (status st = self->server_.kafka->publish_topics(self->tenant_, {}, *ids); !st.ok()) {
        net::post(self->strand_, [self, rid, st] {
          self->busy_ = false;
          self->send_error(rid, st, "DeleteTopics");
          self->process_frames();
          self->read_more();
        });
        return;
      }
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
  // Parsed and compiled alone (sito/compile/validate.hpp): what parses but
  // cannot be planned is reported at its position too.
  const std::string q = str(m.query());
  const validation v = validate_expression(q, expression_kind::query, m.with_channels());
  std::vector<topic_diagnostic> ds;
  for (const auto& d : v.diagnostics) ds.push_back({tenant_, "", d});
  reply(rid, Message::ValidateResult, [&](fb::FlatBufferBuilder& b) {
    auto c = b.CreateString(v.canonical);
    auto dv = diagnostics_to_wire(b, ds);
    return CreateValidateResult(b, v.ok, c, dv).Union();
  });
}

void session::on_explain(uint64_t rid, const Explain& m) {
  auto rs = server_.current_ruleset();
  const std::string id = str(m.topic());
  if (!m.post()) {
    send_error(rid, ErrorCode::InvalidArgument, "Explain needs a post", "Explain");
    return;
  }
  const post p = protocol::post_from_wire(*m.post());
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
    uint64_t scanned = 0, produced = 0;
    const status st = self->server_.run_backfill(self->tenant_, id, from_ms, to_ms, scanned, produced);
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

}  // namespace sito::server
