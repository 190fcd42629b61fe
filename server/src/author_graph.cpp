// File: server/src/author_graph.cpp
//
// Union by size with path halving; each root keeps its members (merged
// small into large, so a member moves O(log n) times) and its smallest name.
#include "author_graph.hpp"

#include <algorithm>

namespace sito::server {

author_graph::pair author_graph::ordered(std::string_view a, std::string_view b) {
  return a < b ? pair(std::string(a), std::string(b)) : pair(std::string(b), std::string(a));
}

uint32_t author_graph::node(std::string_view a) {
  auto it = index_.find(std::string(a));
  if (it != index_.end()) return it->second;
  const auto x = static_cast<uint32_t>(names_.size());
  index_.emplace(std::string(a), x);
  names_.emplace_back(a);
  parent_.push_back(x);
  set_members_.push_back({x});
  smallest_.push_back(x);
  adjacent_.emplace_back();
  return x;
}

const uint32_t* author_graph::find_node(std::string_view a) const {
  auto it = index_.find(std::string(a));
  return it == index_.end() ? nullptr : &it->second;
}

uint32_t author_graph::root(uint32_t x) {
  while (parent_[x] != x) {
    parent_[x] = parent_[parent_[x]];
    x = parent_[x];
  }
  return x;
}

void author_graph::unite(uint32_t x, uint32_t y) {
  x = root(x);
  y = root(y);
  if (x == y) return;
  if (set_members_[x].size() < set_members_[y].size()) std::swap(x, y);
  parent_[y] = x;
  auto& into = set_members_[x];
  into.insert(into.end(), set_members_[y].begin(), set_members_[y].end());
  std::vector<uint32_t>().swap(set_members_[y]);
  if (names_[smallest_[y]] < names_[smallest_[x]]) smallest_[x] = smallest_[y];
}

bool author_graph::link(std::string_view a, std::string_view b, link_origin origin) {
  if (a == b) return false;
  if (origin == link_origin::post && blocked(a, b)) return false;
  const uint32_t x = node(a), y = node(b);
  blocked_.erase(std::minmax(x, y));
  if (!adjacent_[x].insert(y).second) return false;
  adjacent_[y].insert(x);
  ++link_count_;
  unite(x, y);
  return true;
}

void author_graph::block(std::string_view a, std::string_view b) {
  if (a == b) return;
  blocked_.insert(std::minmax(node(a), node(b)));
}

bool author_graph::blocked(std::string_view a, std::string_view b) const {
  const uint32_t* x = find_node(a);
  const uint32_t* y = find_node(b);
  return x != nullptr && y != nullptr && blocked_.count(std::minmax(*x, *y)) != 0;
}

void author_graph::rebuild(uint32_t any_member) {
  std::vector<uint32_t> set;
  set.swap(set_members_[root(any_member)]);
  for (const uint32_t m : set) {
    parent_[m] = m;
    set_members_[m] = {m};
    smallest_[m] = m;
  }
  for (const uint32_t m : set)
    for (const uint32_t n : adjacent_[m])
      if (m < n) unite(m, n);
}

std::vector<author_graph::pair> author_graph::unlink(std::string_view a) {
  std::vector<pair> removed;
  const uint32_t* found = find_node(a);
  if (found == nullptr) return removed;
  const uint32_t x = *found;
  for (const uint32_t y : adjacent_[x]) {
    removed.push_back(ordered(names_[x], names_[y]));
    adjacent_[y].erase(x);
    blocked_.insert(std::minmax(x, y));
    --link_count_;
  }
  adjacent_[x].clear();
  if (!removed.empty()) rebuild(x);
  std::sort(removed.begin(), removed.end());
  return removed;
}

bool author_graph::unlink(std::string_view a, std::string_view b) {
  if (a == b) return false;
  const uint32_t x = node(a), y = node(b);
  blocked_.insert(std::minmax(x, y));
  if (adjacent_[x].erase(y) == 0) return false;
  adjacent_[y].erase(x);
  --link_count_;
  rebuild(x);
  return true;
}

std::string author_graph::person_of(std::string_view a) {
  const uint32_t* x = find_node(a);
  return x == nullptr ? std::string(a) : names_[smallest_[root(*x)]];
}

std::vector<std::string> author_graph::members(std::string_view a) {
  const uint32_t* x = find_node(a);
  if (x == nullptr) return {std::string(a)};
  std::vector<std::string> out;
  for (const uint32_t m : set_members_[root(*x)]) out.push_back(names_[m]);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<author_graph::pair> author_graph::links_of_person(std::string_view a) {
  std::vector<pair> out;
  const uint32_t* x = find_node(a);
  if (x == nullptr) return out;
  for (const uint32_t m : set_members_[root(*x)])
    for (const uint32_t n : adjacent_[m])
      if (names_[m] < names_[n]) out.emplace_back(names_[m], names_[n]);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sito::server
