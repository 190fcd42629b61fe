#include "scan/stage_cycles.hpp"

namespace sito {
namespace detail {
stage_counters& global_stage_counters() {
  static stage_counters c;
  return c;
}
}  // namespace detail

stage_cycles_report read_stage_cycles() {
  auto& c = detail::global_stage_counters();
  stage_cycles_report r;
  r.enabled = detail::stage_cycles_enabled;
  r.posts = c.posts.load();
  const double n = r.posts ? double(r.posts) : 1.0;
  for (int s = 0; s < scan_stage_count; ++s) r.cycles_per_post[s] = double(c.cycles[s].load()) / n;
  r.candidates_per_post = double(c.candidates.load()) / n;
  r.hits_per_post = double(c.hits.load()) / n;
  r.distinct_atoms_per_post = double(c.distinct_atoms.load()) / n;
  return r;
}

void reset_stage_cycles() {
  auto& c = detail::global_stage_counters();
  for (auto& x : c.cycles) x = 0;
  c.posts = 0;
  c.candidates = 0;
  c.hits = 0;
  c.distinct_atoms = 0;
}

}  // namespace sito
