#include "post_identity.hpp"

#include <cstring>
#include <string_view>

#include "sito/text/token_hash.hpp"

namespace sito::server::detail {

namespace {
// The wyhash primitives are token_hash.hpp's (a 64x64->128 multiply folded
// by xor, 8-byte loads, the seeds); the construction below is this file's
// own and frozen: PostIdentity.TheStoredHashNeverChanges pins its values,
// so a change to either shows up there.
using text::detail::hash_mum;
using text::detail::hash_r8;
using text::detail::hash_s0;
using text::detail::hash_s1;
using text::detail::hash_s2;
inline uint64_t r4(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace

uint64_t stored_hash(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  uint64_t seed = hash_s0 ^ hash_s1;
  uint64_t a, b;
  if (n <= 16) {
    if (n >= 4) {
      const size_t k = (n >> 3) << 2;
      a = (r4(p) << 32) | r4(p + k);
      b = (r4(p + n - 4) << 32) | r4(p + n - 4 - k);
    } else if (n > 0) {
      a = (uint64_t(p[0]) << 16) | (uint64_t(p[n >> 1]) << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    while (i > 16) {
      seed = hash_mum(hash_r8(p) ^ hash_s1, hash_r8(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = hash_r8(p + i - 16);
    b = hash_r8(p + i - 8);
  }
  return hash_mum(hash_s1 ^ n, hash_mum(a ^ hash_s1, b ^ seed));
}

std::string dedup_key(const std::string& producer_tenant, const post& p) {
  std::string key(8, '\0');
  key.reserve(8 + producer_tenant.size() + p.source.size() + p.id.size() + 2);
  key.append(producer_tenant).push_back('\0');
  key.append(p.source).push_back('\0');
  key.append(p.id);
  uint64_t h = stored_hash(std::string_view(key).substr(8));
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
    const uint64_t h = stored_hash(std::string_view(static_cast<const char*>(data), n));
    state_ = hash_mum(state_ ^ h, hash_s2 + ++fields_);
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  void number(int64_t v) { bytes(&v, sizeof v); }
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = hash_s0;
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
