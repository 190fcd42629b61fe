#include "scan/node_text.hpp"

#include "scan/post_context.hpp"
#include "sito/text/fold.hpp"

namespace sito::detail {

const char* field_name(uint8_t f) { return f == 0 ? "title" : f == 1 ? "text" : "image"; }

const char* atom_kind_name(atom_kind k) {
  switch (k) {
    case atom_kind::word: return "word";
    case atom_kind::exact: return "exact";
    case atom_kind::case_sensitive: return "case";
    case atom_kind::tag: return "tag";
    case atom_kind::wildcard: return "wildcard";
    case atom_kind::contains: return "contains";
  }
  return "?";
}

std::string atom_text(const atom& a) { return a.kind == atom_kind::wildcard ? a.text : text::unfold(a.text); }

std::string describe_node(const ruleset_snapshot& s, const program_node& n) {
  auto fields = [&] {
    if (n.fields == field_default) return std::string();
    std::string f = " in";
    for (uint8_t b = 0; b < field_count; ++b)
      if (n.fields & field_bit(b)) f += std::string(" ") + field_name(b);
    return f;
  };
  switch (n.kind) {
    case op::leaf: {
      const atom& a = s.atoms[n.atom];
      return std::string(atom_kind_name(a.kind)) + " '" + atom_text(a) + "'" + fields();
    }
    case op::seq: return "sequence " + std::string(s.label(n.label)) + fields();
    case op::prox_phrase: return "proximity " + std::string(s.label(n.label)) + fields();
    case op::near: return std::string(n.ordered ? "ONEAR/" : "NEAR/") + std::to_string(n.distance);
    case op::and_: return "AND";
    case op::or_: return "OR";
    case op::not_: return "NOT";
    case op::filter: {
      const auto& f = s.filters[n.filter];
      if (f.field == query::filter_field::followers)
        return "filter followers in [" + std::to_string(f.lo) + ", " + std::to_string(f.hi) + "]";
      return std::string("filter ") + query::to_string(f.field) + ":" + f.value;
    }
    case op::contains: return "contains '" + text::unfold(s.atoms[n.atom].text) + "'" + fields();
  }
  return "?";
}

}  // namespace sito::detail
