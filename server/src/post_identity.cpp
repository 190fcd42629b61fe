#include "post_identity.hpp"

#include <string_view>

#include "sito/text/token_hash.hpp"

namespace sito::server::detail {

std::string dedup_key(const std::string& producer_tenant, const post& p) {
  std::string key(8, '\0');
  key.reserve(8 + producer_tenant.size() + p.source.size() + p.id.size() + 2);
  key.append(producer_tenant).push_back('\0');
  key.append(p.source).push_back('\0');
  key.append(p.id);
  uint64_t h = text::token_hash(std::string_view(key).substr(8));
  for (int i = 7; i >= 0; --i, h >>= 8) key[static_cast<size_t>(i)] = static_cast<char>(h & 0xFF);
  return key;
}

namespace {
/// Folds one field into the running value: its own hash (which covers its
/// length), mixed with the position-dependent state, so that moving bytes
/// from one field to the next changes the result. No copy of the post.
class fingerprint {
 public:
  void bytes(const void* data, size_t n) {
    const uint64_t h = text::token_hash(std::string_view(static_cast<const char*>(data), n));
    state_ = text::detail::hash_mum(state_ ^ h, text::detail::hash_s2 + ++fields_);
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  void number(int64_t v) { bytes(&v, sizeof v); }
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = text::detail::hash_s0;
  uint64_t fields_ = 0;
};
}  // namespace

uint64_t content_fingerprint(const post& p) {
  fingerprint c;
  c.text(p.title);
  c.text(p.text);
  c.text(p.image_text);
  c.number(p.image_count);
  c.number(static_cast<int64_t>(p.images.size()));
  for (const auto& img : p.images) c.bytes(img.data.data(), img.data.size());
  c.text(p.lang);
  c.text(p.source_type);
  c.text(p.channel);
  c.text(p.place);
  c.text(p.url);
  c.text(p.author.id);
  c.text(p.author.handle);
  c.text(p.author.name);
  c.text(p.author.gender);
  c.text(p.author.country);
  c.text(p.author.city);
  c.number(p.published_at);
  c.text(p.parent_id);
  c.number(p.is_repost ? 1 : 0);
  return c.value();
}

}  // namespace sito::server::detail
