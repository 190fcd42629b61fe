#include "sito/compile/ruleset_snapshot.hpp"

namespace sito {

void detail::hs_database_deleter::operator()(hs_database_t* db) const { hs_free_database(db); }

size_t ruleset_snapshot::memory_bytes() const {
  size_t bytes = nodes.capacity() * sizeof(program_node) + children.capacity() * 4 +
                 postings.capacity() * 4 + trigger_topics.capacity() * 4 + check_triggers.capacity() * 4 + topic_check_begin.capacity() * 4 +
                 atom_trigger_begin.capacity() * 4 + topic_atom_begin.capacity() * 4 + topic_atoms.capacity() * 4;
  for (const auto& a : atoms) bytes += sizeof(atom) + a.text.capacity() + a.case_text.capacity();
  for (const auto& l : labels) bytes += sizeof(std::string) + l.capacity();
  auto map_bytes = [](const auto& m) { return m.capacity() * (sizeof(typename std::decay_t<decltype(m)>::value_type) + 1); };
  bytes += map_bytes(exact_index) + map_bytes(stem_index) + map_bytes(entry_index);
  for (const auto& m : meta_index) bytes += map_bytes(m);
  size_t hs_size = 0;
  if (token_db && hs_database_size(token_db.get(), &hs_size) == HS_SUCCESS) bytes += hs_size;
  if (text_db && hs_database_size(text_db.get(), &hs_size) == HS_SUCCESS) bytes += hs_size;
  return bytes;
}

}  // namespace sito
