#include "post_identity.hpp"

#include <cstring>
#include <string_view>

#include "sito/text/token_hash.hpp"

namespace sito::server::detail {

std::string dedup_key(const std::string& producer_tenant, const post& p) {
  std::string key;
  key.reserve(producer_tenant.size() + p.source.size() + p.id.size() + 2);
  key.append(producer_tenant).push_back('\0');
  key.append(p.source).push_back('\0');
  key.append(p.id);
  return key;
}

namespace {
/// Length-prefixed fields, so that ("ab", "c") and ("a", "bc") differ.
class canonical {
 public:
  void bytes(const void* data, size_t n) {
    const auto len = static_cast<uint64_t>(n);
    buf_.append(reinterpret_cast<const char*>(&len), sizeof len);
    buf_.append(static_cast<const char*>(data), n);
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  void number(int64_t v) { bytes(&v, sizeof v); }
  const std::string& str() const { return buf_; }

 private:
  std::string buf_;
};
}  // namespace

uint64_t content_fingerprint(const post& p) {
  canonical c;
  c.text(p.title);
  c.text(p.text);
  c.text(p.image_text);
  c.number(p.image_count);
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
  return text::token_hash(c.str());
}

}  // namespace sito::server::detail
