// Semantic tags as stream facts: one embedding batch per scan
// (sito/scan/semantic_facts.hpp).
#include "sito/scan/semantic_facts.hpp"

#include <algorithm>

namespace sito {

std::string semantic_text_of(const post& p) {
  std::string t = p.title;
  for (const std::string* part : {&p.text, &p.image_text}) {
    if (part->empty()) continue;
    if (!t.empty()) t += '\n';
    t += *part;
  }
  return t;
}

status semantic_tagger::decide(const ruleset_snapshot& s, std::span<const post> posts, const scan_output& out,
                               std::vector<stream_facts>& facts) {
  if (!s.semantic_tags || out.semantic_wanted.empty()) return ok_status();
  if (facts.size() < posts.size()) facts.resize(posts.size());
  batch_.clear();
  which_.clear();
  wanted_.clear();
  for (size_t k = 0; k < out.semantic_wanted.size();) {
    const uint32_t p = out.semantic_wanted[k].post;
    std::vector<uint32_t> tags;
    for (; k < out.semantic_wanted.size() && out.semantic_wanted[k].post == p; ++k)
      tags.push_back(out.semantic_wanted[k].tag);
    if (p >= posts.size()) continue;
    if (!prep_.add_post(semantic_text_of(posts[p]), batch_).ok()) continue;  // a scanned post is valid UTF-8
    which_.push_back(p);
    wanted_.push_back(std::move(tags));
  }
  if (which_.empty()) return ok_status();
  SITO_RETURN_IF_ERROR(s.semantic_tags->decide(*backend_, batch_, wanted_, decisions_));
  posts_embedded_ += which_.size();
  for (size_t i = 0; i < which_.size(); ++i) {
    auto& held = facts[which_[i]].semantic;
    held.clear();
    for (size_t j = 0; j < wanted_[i].size(); ++j)
      if (decisions_[i][j].tagged) held.push_back(wanted_[i][j]);
    std::sort(held.begin(), held.end());
  }
  return ok_status();
}

}  // namespace sito
