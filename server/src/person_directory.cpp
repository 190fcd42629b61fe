// File: server/src/person_directory.cpp
#include "person_directory.hpp"

#include <algorithm>

#include "sito/dedup/post_check.hpp"

namespace sito::server {
namespace {

status check_id(const std::string& id) {
  if (auto why = author_link_error(id); !why.empty())
    return invalid_argument("author id '" + id + "' " + why);
  return ok_status();
}

}  // namespace

status person_directory::load() {
  std::map<std::string, std::vector<author_graph::pair>> links, blocks;
  SITO_RETURN_IF_ERROR(db_.read_author_links(
      [&](const std::string& tenant, const std::string& a, const std::string& b, bool blocked) {
        (blocked ? blocks : links)[tenant].emplace_back(a, b);
      }));
  std::lock_guard lock(mutex_);
  graphs_.clear();
  for (const auto& [tenant, pairs] : blocks)
    for (const auto& [a, b] : pairs) graphs_[tenant].block(a, b);
  // A block wins over a link stored beside it (see the header, "Durability").
  for (const auto& [tenant, pairs] : links)
    for (const auto& [a, b] : pairs) (void)graphs_[tenant].link(a, b, link_origin::post);
  return ok_status();
}

std::string person_directory::author_key(const post& p) {
  if (p.author.id.empty() && p.author.handle.empty()) return {};
  std::string key = dedup::author_of(p);
  for (const char c : key)
    if (static_cast<unsigned char>(c) < 0x20) return {};
  return key;
}

void person_directory::annotate(mention_record& m, const post& p) {
  m.author = author_key(p);
  m.new_links.clear();
  if (m.author.empty()) {
    m.person_id.clear();
    return;
  }
  std::lock_guard lock(mutex_);
  if (p.author.links.empty()) {
    auto it = graphs_.find(m.tenant);
    m.person_id = it == graphs_.end() ? m.author : it->second.person_of(m.author);
    return;
  }
  author_graph& g = graphs_[m.tenant];
  for (const std::string& l : p.author.links) {
    if (!author_link_error(l).empty()) continue;
    if (g.link(m.author, l, link_origin::post)) m.new_links.push_back(author_graph::ordered(m.author, l));
  }
  m.person_id = g.person_of(m.author);
}

person_view person_directory::view_locked(author_graph& g, const std::string& a) {
  return person_view{g.person_of(a), g.members(a), g.links_of_person(a)};
}

result<person_view> person_directory::link(const std::string& tenant, const std::string& a, const std::string& b) {
  SITO_RETURN_IF_ERROR(check_id(a));
  SITO_RETURN_IF_ERROR(check_id(b));
  if (a == b) return invalid_argument("cannot link an author id to itself");
  std::lock_guard lock(mutex_);
  author_graph& g = graphs_[tenant];
  store::author_link_change change;
  change.add.push_back(author_graph::ordered(a, b));
  change.unblock.push_back(author_graph::ordered(a, b));
  SITO_RETURN_IF_ERROR(db_.write_author_links(tenant, change));
  (void)g.link(a, b, link_origin::admin);
  return view_locked(g, a);
}

result<person_view> person_directory::unlink(const std::string& tenant, const std::string& a,
                                             const std::string& other) {
  SITO_RETURN_IF_ERROR(check_id(a));
  if (!other.empty()) SITO_RETURN_IF_ERROR(check_id(other));
  if (a == other) return invalid_argument("cannot unlink an author id from itself");
  std::lock_guard lock(mutex_);
  author_graph& g = graphs_[tenant];
  store::author_link_change change;
  if (other.empty()) {
    for (auto& l : g.links_of_person(a))
      if (l.first == a || l.second == a) change.remove.push_back(std::move(l));
  } else {
    change.remove.push_back(author_graph::ordered(a, other));
  }
  change.block = change.remove;
  SITO_RETURN_IF_ERROR(db_.write_author_links(tenant, change));
  if (other.empty()) (void)g.unlink(a);
  else (void)g.unlink(a, other);
  return view_locked(g, a);
}

person_view person_directory::person(const std::string& tenant, const std::string& a) {
  std::lock_guard lock(mutex_);
  auto it = graphs_.find(tenant);
  if (it == graphs_.end()) return person_view{a, {a}, {}};
  return view_locked(it->second, a);
}

}  // namespace sito::server
