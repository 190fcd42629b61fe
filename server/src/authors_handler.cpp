// The admin role's author messages (README "One author across platforms"):
// AuthorsLink, AuthorsUnlink, AuthorsHistory; and person_history, which
// they and the subscriptions' history panes (Subscribe.history) share.
#include "server_impl.hpp"
#include "session_wire.hpp"
#include "sito/server/period_stats.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

using namespace sito::wire;
using namespace session_wire;

result<std::vector<history_entry>> sitod::impl::person_history(const std::string& tenant, const std::string& author,
                                                             int64_t since_ms, size_t limit, uint64_t before) {
  std::vector<history_entry> out;
  if (author.empty() || limit == 0) return out;
  const person_view who = persons->person(tenant, author);
  SITO_ASSIGN_OR_RETURN(auto offsets, db->author_mentions(tenant, who.members, since_ms, limit, before));
  for (const uint64_t offset : offsets) {
    auto m = db->read_mention(tenant, offset);
    if (!m.ok()) {
      if (m.error().code() == status_code::not_found) continue;  // dropped by retention (store.hpp)
      return m.error();
    }
    auto p = db->read_post(m->post_offset);
    out.push_back({std::move(m).value(), p.ok() ? std::move(p->p) : post{}});
  }
  return out;
}

namespace {

fb::Offset<AuthorsResult> person_to_wire(fb::FlatBufferBuilder& b, const person_view& who,
                                         const std::vector<history_entry>& history) {
  std::vector<fb::Offset<Mention>> ms;
  for (const auto& h : history) ms.push_back(mention_to_wire(b, h.m, &h.p));
  std::vector<fb::Offset<AuthorLink>> links;
  for (const auto& [a, c] : who.links) links.push_back(CreateAuthorLinkDirect(b, a.c_str(), c.c_str()));
  auto id = b.CreateString(who.person_id);
  auto members = b.CreateVectorOfStrings(who.members);
  auto lv = b.CreateVector(links);
  auto mv = b.CreateVector(ms);
  return CreateAuthorsResult(b, id, members, lv, mv);
}

}  // namespace

void session::on_authors(uint64_t rid, const Envelope& env) {
  const Message type = env.message_type();
  // Synced writes and log reads: off the I/O threads.
  struct request {
    Message type;
    std::string a, b;
    int64_t since = 0;
    uint32_t limit = 0;
    uint64_t before = 0;
  };
  auto req = std::make_shared<request>();
  req->type = type;
  if (type == Message::AuthorsLink) {
    req->a = str(env.message_as_AuthorsLink()->a());
    req->b = str(env.message_as_AuthorsLink()->b());
  } else if (type == Message::AuthorsUnlink) {
    req->a = str(env.message_as_AuthorsUnlink()->author());
    req->b = str(env.message_as_AuthorsUnlink()->other());
  } else {
    const auto* h = env.message_as_AuthorsHistory();
    req->a = str(h->author());
    if (const std::string since = str(h->since()); !since.empty()) {
      auto at = parse_time(since, server_.time_zone_of(tenant_), now_ms());
      if (!at.ok()) {
        send_error(rid, ErrorCode::InvalidArgument, "since: " + at.error().message(), EnumNameMessage(type));
        return;
      }
      req->since = *at;
    }
    req->limit = h->limit() == 0 ? 100 : std::min<uint32_t>(h->limit(), 10'000);
    req->before = h->before() == 0 ? UINT64_MAX : h->before();
    if (auto why = author_link_error(req->a); !why.empty()) {
      send_error(rid, ErrorCode::InvalidArgument, "author id '" + req->a + "' " + why, EnumNameMessage(type));
      return;
    }
  }
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.workers, [self, rid, req] {
    auto& srv = self->server_;
    result<person_view> who = person_view{};
    std::vector<history_entry> history;
    if (req->type == Message::AuthorsLink) {
      who = srv.persons->link(self->tenant_, req->a, req->b);
    } else if (req->type == Message::AuthorsUnlink) {
      who = srv.persons->unlink(self->tenant_, req->a, req->b);
    } else {
      who = srv.persons->person(self->tenant_, req->a);
      auto h = srv.person_history(self->tenant_, req->a, req->since, req->limit, req->before);
      if (h.ok()) history = std::move(h).value();
      else who = h.error();
    }
    net::post(self->strand_, [self, rid, req, who = std::move(who), history = std::move(history)] {
      self->busy_ = false;
      if (!who.ok()) {
        if (who.error().code() == status_code::invalid_argument)
          self->send_error(rid, ErrorCode::InvalidArgument, who.error().message(), EnumNameMessage(req->type));
        else
          self->send_error(rid, who.error(), EnumNameMessage(req->type));
      } else {
        self->reply(rid, Message::AuthorsResult,
                    [&](fb::FlatBufferBuilder& b) { return person_to_wire(b, *who, history).Union(); });
      }
      self->process_frames();
      self->read_more();
    });
  });
}

}  // namespace sito::server
