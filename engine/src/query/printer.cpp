#include "sito/query/printer.hpp"

#include <cstdint>

#include "query/lexer.hpp"

namespace sito::query {
namespace {

std::string print_bound(int64_t v, int64_t open) { return v == open ? "*" : std::to_string(v); }

std::string print_filter(const filter_spec& f) {
  switch (f.field) {
    case filter_field::has_image: return "has:image";
    case filter_field::has_link: return "has:link";
    case filter_field::is_reply: return "is:reply";
    case filter_field::is_repost: return "is:repost";
    case filter_field::is_own: return "is:own";
    case filter_field::is_wom: return "is:wom";
    case filter_field::is_processed: return "is:processed";
    case filter_field::is_duplicate: return "is:duplicate";
    case filter_field::followers:
      return "followers:[" + print_bound(f.lo, INT64_MIN) + " TO " + print_bound(f.hi, INT64_MAX) + "]";
    default:
      break;
  }
  std::string out = to_string(f.field);
  out += ':';
  out += detail::value_prints_bare(f.value) ? f.value : detail::quote(f.value);
  return out;
}

void print_to(const node& n, std::string& out) {
  switch (n.kind) {
    case node_kind::and_:
    case node_kind::or_: {
      out += '(';
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out += n.kind == node_kind::and_ ? " AND " : " OR ";
        print_to(n.children[i], out);
      }
      out += ')';
      return;
    }
    case node_kind::not_:
      out += "NOT ";
      if (!n.children.empty()) print_to(n.children[0], out);
      return;
    case node_kind::near:
      out += '(';
      if (!n.children.empty()) print_to(n.children[0], out);
      out += n.ordered ? " ONEAR/" : " NEAR/";
      out += std::to_string(n.distance);
      out += ' ';
      if (n.children.size() > 1) print_to(n.children[1], out);
      out += ')';
      return;
    case node_kind::field_scope:
      out += to_string(n.scope);
      out += ":(";
      if (!n.children.empty()) print_to(n.children[0], out);
      out += ')';
      return;
    case node_kind::wildcard:
      // A wildcard whose bare text would lex differently (`title:ab*`,
      // `-abc*`) goes behind `!`, which takes the word literally.
      if (!detail::wildcard_prints_bare(n.text)) out += '!';
      out += n.text;
      return;
    default:
      out += leaf_label(n);
      return;
  }
}

}  // namespace

std::string print(const node& root) {
  std::string out;
  print_to(root, out);
  return out;
}

std::string leaf_label(const node& leaf) {
  switch (leaf.kind) {
    case node_kind::term:
      return leaf.exact ? "!" + leaf.text : leaf.text;
    case node_kind::phrase:
      return detail::quote(leaf.text);
    case node_kind::proximity_phrase:
      return detail::quote(leaf.text) + "~" + std::to_string(leaf.distance);
    case node_kind::wildcard:
    case node_kind::tag:
      return leaf.text;
    case node_kind::case_sensitive:
      return "{" + leaf.text + "}";
    case node_kind::contains:
      return "contains:" + detail::quote(leaf.text);
    case node_kind::filter:
      return print_filter(leaf.filter);
    default:
      return print(leaf);
  }
}

}  // namespace sito::query
