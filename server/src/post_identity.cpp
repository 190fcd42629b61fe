#include "post_identity.hpp"

#include <cstring>
#include <string_view>

namespace sito::server::detail {

namespace {
__extension__ typedef unsigned __int128 u128;
inline uint64_t mum(uint64_t a, uint64_t b) {
  const u128 r = static_cast<u128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t r8(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t r4(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
constexpr uint64_t s0 = 0xa0761d6478bd642full, s1 = 0xe7037ed1a0b428dbull, s2 = 0x8ebc6af09c88c6e3ull;
}  // namespace

uint64_t stored_hash(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  uint64_t seed = s0 ^ s1;
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
      seed = mum(r8(p) ^ s1, r8(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = r8(p + i - 16);
    b = r8(p + i - 8);
  }
  return mum(s1 ^ n, mum(a ^ s1, b ^ seed));
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
    state_ = mum(state_ ^ h, s2 + ++fields_);
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  void number(int64_t v) { bytes(&v, sizeof v); }
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = s0;
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
