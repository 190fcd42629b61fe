#include "recent_posts.hpp"

#include <algorithm>

namespace sito::server {

size_t recent_posts::bytes_of(const batch& b) {
  size_t n = sizeof(batch) + b.offsets.size() * (sizeof(uint64_t) + sizeof(post) + 1);
  for (size_t i = 0; i < b.posts.size(); ++i)
    if (b.present[i]) {
      const post& p = b.posts[i];
      n += p.id.size() + p.title.size() + p.text.size() + p.image_text.size() + p.url.size() + p.author.id.size() +
           p.author.handle.size() + p.source.size() + p.channel.size() + p.place.size();
      // With OCR off a post keeps its images: their bytes count too.
      for (const image_blob& img : p.images) n += sizeof(image_blob) + img.mime.size() + img.data.size();
    }
  return n;
}

void recent_posts::add(std::shared_ptr<const batch> b) {
  if (!b || b->offsets.empty()) return;
  const size_t n = bytes_of(*b);
  std::lock_guard lock(mutex_);
  batches_.emplace_back(std::move(b), n);
  bytes_ += n;
  while (batches_.size() > 1 && bytes_ > max_bytes_) {
    bytes_ -= batches_.front().second;
    batches_.pop_front();
  }
}

recent_posts::view_type recent_posts::view() const {
  std::lock_guard lock(mutex_);
  view_type v;
  v.reserve(batches_.size());
  for (const auto& [b, n] : batches_) v.push_back(b);
  return v;
}

const post* recent_posts::find(const view_type& v, uint64_t offset) {
  // The batch whose range holds the offset: the last one starting at or before it.
  auto it = std::upper_bound(v.begin(), v.end(), offset,
                             [](uint64_t off, const std::shared_ptr<const batch>& b) { return off < b->offsets.front(); });
  if (it == v.begin()) return nullptr;
  const batch& b = **(it - 1);
  auto at = std::lower_bound(b.offsets.begin(), b.offsets.end(), offset);
  if (at == b.offsets.end() || *at != offset) return nullptr;
  const size_t i = static_cast<size_t>(at - b.offsets.begin());
  return b.present[i] ? &b.posts[i] : nullptr;
}

}  // namespace sito::server
