// Private: how explain names atoms and program nodes for people.
#pragma once

#include <cstdint>
#include <string>

#include "sito/compile/ruleset_snapshot.hpp"

namespace sito::detail {

const char* field_name(uint8_t field);  ///< "title", "text" or "image"
const char* atom_kind_name(atom_kind k);
/// An atom's term as a person wrote it (unfolded; wildcards as written).
std::string atom_text(const atom& a);
/// One line for a node: "word 'доставка' in title", "NEAR/5", "filter lang:ru", ...
std::string describe_node(const ruleset_snapshot& s, const program_node& n);

}  // namespace sito::detail
