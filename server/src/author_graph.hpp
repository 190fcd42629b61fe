// File: server/src/author_graph.hpp
//
// One author across platforms (DESIGN §9): which author ids ("vk:123",
// "tg:555", "crm:8812") are one person. The recorded links are the truth;
// a union-find over them answers "whose person is this id" in near O(1).
//
//   author_graph g;
//   g.link("vk:123", "tg:555", link_origin::post);
//   g.link("tg:555", "crm:8812", link_origin::admin);
//   g.person_of("crm:8812");   // "crm:8812": the smallest id of the set
//   g.unlink("tg:555");        // tg:555 leaves; vk:123 and crm:8812 split
//
// Person ids. A person is named by the smallest (byte order) author id of
// its connected set: a pure function of the links, so a rebuild from the
// stored links after a restart names every person exactly as before, and no
// person table needs storing. An id with no links is its own person. When
// two persons merge, the merged one takes the smaller of the two names;
// a split names each part by its own smallest member.
//
// Splits. A union-find cannot delete, so unlink(a) removes a's recorded
// links and then rebuilds its old set: every member becomes a singleton
// again and the links that remain among them are unioned anew (O(size of
// the set + its links)). unlink(a) leaves a on its own; the rest of the set
// becomes one person per connected part of the remaining links (removing a
// bridge splits it in two or more). unlink(a, b) removes one link.
//
// Blocks. A link an admin removed is blocked: the same link carried by a
// later post is ignored (the analyst's split holds against vendor data)
// until an admin links the pair again.
//
// Thread-safety: none; person_directory guards one graph per tenant.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sito::server {

/// Who recorded a link.
enum class link_origin : uint8_t {
  post,   ///< a post's author.links: ignored when the pair is blocked
  admin,  ///< `sito authors link`: lifts a block
};

class author_graph {
 public:
  /// An unordered pair, smaller id first.
  using pair = std::pair<std::string, std::string>;
  static pair ordered(std::string_view a, std::string_view b);

  /// Records the link a–b (a != b) and merges their persons. Returns
  /// whether the link is new (false: known already, a == b, or blocked for
  /// a post). An admin link lifts a block of the pair.
  bool link(std::string_view a, std::string_view b, link_origin origin);
  /// Removes every link of `a` and blocks each; returns the removed pairs.
  std::vector<pair> unlink(std::string_view a);
  /// Removes the one link a–b and blocks it; false when there was none
  /// (the pair is blocked anyway).
  bool unlink(std::string_view a, std::string_view b);
  /// Restores a stored block (person_directory's load), without a link.
  void block(std::string_view a, std::string_view b);
  bool blocked(std::string_view a, std::string_view b) const;

  /// The person id of `a` (see "Person ids"); `a` itself when unknown.
  std::string person_of(std::string_view a);
  /// The members of a's person, sorted; {a} when unknown.
  std::vector<std::string> members(std::string_view a);
  /// The recorded links of a's person, each once, sorted.
  std::vector<pair> links_of_person(std::string_view a);

  size_t link_count() const { return link_count_; }
  size_t id_count() const { return names_.size(); }

 private:
  uint32_t node(std::string_view a);  ///< creates it when new
  const uint32_t* find_node(std::string_view a) const;
  uint32_t root(uint32_t x);
  void unite(uint32_t x, uint32_t y);
  void rebuild(uint32_t any_member);  ///< after links of the set were removed

  std::unordered_map<std::string, uint32_t> index_;
  std::vector<std::string> names_;
  std::vector<uint32_t> parent_;
  /// Per root: its members (for members() and rebuilds) and its smallest name.
  std::vector<std::vector<uint32_t>> set_members_;
  std::vector<uint32_t> smallest_;
  std::vector<std::set<uint32_t>> adjacent_;
  std::set<std::pair<uint32_t, uint32_t>> blocked_;  ///< node pairs, smaller index first
  size_t link_count_ = 0;
};

}  // namespace sito::server
