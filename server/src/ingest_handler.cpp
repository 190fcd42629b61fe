// PublishBatch: validation, the tenant's rate limit, the durable append on
// the worker pool, the PublishAck (duplicates and edits).
#include "server_impl.hpp"
#include "session_wire.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

using namespace sito::wire;
using namespace session_wire;

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
    post p = protocol::post_from_wire(*posts->Get(i));
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

}  // namespace sito::server
