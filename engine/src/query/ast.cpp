#include "sito/query/ast.hpp"

#include <algorithm>

namespace sito::query {

const char* to_string(field f) {
  switch (f) {
    case field::any: return "any";
    case field::title: return "title";
    case field::text: return "text";
    case field::image: return "image";
  }
  return "?";
}

const char* to_string(filter_field f) {
  switch (f) {
    case filter_field::lang: return "lang";
    case filter_field::source: return "source";
    case filter_field::type: return "type";
    case filter_field::channel: return "channel";
    case filter_field::place: return "place";
    case filter_field::author: return "author";
    case filter_field::site: return "site";
    case filter_field::url: return "url";
    case filter_field::country: return "country";
    case filter_field::city: return "city";
    case filter_field::gender: return "gender";
    case filter_field::followers: return "followers";
    case filter_field::has_image: return "has_image";
    case filter_field::has_link: return "has_link";
    case filter_field::is_reply: return "is_reply";
    case filter_field::is_repost: return "is_repost";
    case filter_field::is_own: return "is_own";
    case filter_field::is_wom: return "is_wom";
    case filter_field::is_processed: return "is_processed";
    case filter_field::is_duplicate: return "is_duplicate";
    case filter_field::sentiment: return "sentiment";
    case filter_field::tag: return "tag";
  }
  return "?";
}

const char* to_string(node_kind k) {
  switch (k) {
    case node_kind::term: return "term";
    case node_kind::phrase: return "phrase";
    case node_kind::proximity_phrase: return "proximity_phrase";
    case node_kind::wildcard: return "wildcard";
    case node_kind::case_sensitive: return "case_sensitive";
    case node_kind::tag: return "tag";
    case node_kind::contains: return "contains";
    case node_kind::and_: return "and";
    case node_kind::or_: return "or";
    case node_kind::not_: return "not";
    case node_kind::near: return "near";
    case node_kind::field_scope: return "field_scope";
    case node_kind::filter: return "filter";
  }
  return "?";
}

bool same_tree(const node& a, const node& b) {
  if (a.kind != b.kind || a.text != b.text || a.exact != b.exact || a.distance != b.distance ||
      a.ordered != b.ordered || a.scope != b.scope || !(a.filter == b.filter) ||
      a.children.size() != b.children.size()) {
    return false;
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!same_tree(a.children[i], b.children[i])) return false;
  }
  return true;
}

bool is_positional_leaf(node_kind k) {
  switch (k) {
    case node_kind::term:
    case node_kind::phrase:
    case node_kind::proximity_phrase:
    case node_kind::wildcard:
    case node_kind::case_sensitive:
    case node_kind::tag:
      return true;
    default:
      return false;
  }
}

bool is_anchored(const node& n) {
  switch (n.kind) {
    case node_kind::and_:
      return std::any_of(n.children.begin(), n.children.end(), is_anchored);
    case node_kind::or_:
      return std::all_of(n.children.begin(), n.children.end(), is_anchored);
    case node_kind::not_:
      return false;
    case node_kind::field_scope:
      // A scope only restricts where its body looks: `text:(NOT x)` is as
      // negative as `NOT x`.
      return n.children.empty() || is_anchored(n.children.front());
    default:
      return true;
  }
}

}  // namespace sito::query
