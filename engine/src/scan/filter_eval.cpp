#include "scan/filter_eval.hpp"

#include "sito/rules/sentiment_lexicon.hpp"
#include "sito/text/analyzed_text.hpp"

namespace sito::detail {

void normalize_meta(std::string_view value, std::string& out) {
  // One pass: copy, lower-casing ASCII; anything else goes through normalize.
  out.resize(value.size());
  for (size_t k = 0; k < value.size(); ++k) {
    const auto c = static_cast<unsigned char>(value[k]);
    if (c >= 0x80) {
      out = text::normalize(value);
      return;
    }
    out[k] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
}

namespace {
std::string_view host_of(std::string_view url) {
  size_t p = url.find("://");
  std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
  size_t end = rest.find_first_of("/?#");
  if (end != std::string_view::npos) rest = rest.substr(0, end);
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) rest = rest.substr(0, colon);
  return rest;
}

bool has_link_text(std::string_view folded) {
  return folded.find("http://") != std::string_view::npos || folded.find("https://") != std::string_view::npos ||
         folded.find("www.") != std::string_view::npos;
}
}  // namespace

void build_post_meta(const post& p, std::string_view folded_title, std::string_view folded_text, uint32_t fields,
                     post_meta& m) {
  using query::filter_field;
  auto wanted = [&](filter_field f) { return (fields & (1u << static_cast<unsigned>(f))) != 0; };
  if (wanted(filter_field::lang)) normalize_meta(p.lang, m.lang);
  if (wanted(filter_field::source)) normalize_meta(p.source, m.source);
  if (wanted(filter_field::type)) normalize_meta(p.source_type, m.type);
  if (wanted(filter_field::channel) || (fields & channel_meta_bit)) normalize_meta(p.channel, m.channel);
  if (wanted(filter_field::place)) normalize_meta(p.place, m.place);
  if (wanted(filter_field::author)) {
    normalize_meta(p.author.id, m.author_id);
    normalize_meta(p.author.handle, m.author_handle);
  }
  if (wanted(filter_field::country)) normalize_meta(p.author.country, m.country);
  if (wanted(filter_field::city)) normalize_meta(p.author.city, m.city);
  if (wanted(filter_field::gender)) normalize_meta(p.author.gender, m.gender);
  if (wanted(filter_field::url) || wanted(filter_field::site)) {
    normalize_meta(p.url, m.url);
    m.host.assign(host_of(m.url));
  }
  m.followers = p.author.followers;
  m.has_image = p.image_count > 0 || !p.image_text.empty();
  if (wanted(filter_field::has_link))
    m.has_link = !p.url.empty() || has_link_text(folded_title) || has_link_text(folded_text);
  m.is_reply = !p.parent_id.empty();
  m.is_repost = p.is_repost;
}

bool eval_filter(const query::filter_spec& f, const post_meta& m) {
  using query::filter_field;
  switch (f.field) {
    case filter_field::lang: return m.lang == f.value;
    case filter_field::source: return m.source == f.value;
    case filter_field::type: return m.type == f.value;
    case filter_field::channel: return m.channel == f.value;
    case filter_field::place: return m.place == f.value;
    case filter_field::author: return !f.value.empty() && (m.author_id == f.value || m.author_handle == f.value);
    case filter_field::site:
      return !f.value.empty() &&
             (m.host == f.value || (m.host.size() > f.value.size() &&
                                    m.host.compare(m.host.size() - f.value.size(), f.value.size(), f.value) == 0 &&
                                    m.host[m.host.size() - f.value.size() - 1] == '.'));
    case filter_field::url: return !f.value.empty() && m.url.find(f.value) != std::string::npos;
    case filter_field::country: return m.country == f.value;
    case filter_field::city: return m.city == f.value;
    case filter_field::gender: return m.gender == f.value;
    case filter_field::followers: return m.followers && *m.followers >= f.lo && *m.followers <= f.hi;
    case filter_field::has_image: return m.has_image;
    case filter_field::has_link: return m.has_link;
    case filter_field::is_reply: return m.is_reply;
    case filter_field::is_repost: return m.is_repost;
    case filter_field::is_own: return m.mention && m.mention->is_own;
    case filter_field::is_wom: return m.mention && m.mention->is_wom;
    case filter_field::is_processed: return m.mention && m.mention->is_processed;
    case filter_field::is_duplicate: return m.mention && m.mention->is_duplicate;
    case filter_field::sentiment:
      return m.mention && f.value == rules::to_string(static_cast<rules::sentiment>(m.mention->sentiment));
    case filter_field::tag:
      if (!m.mention || f.value.empty()) return false;
      for (const std::string* key : m.mention->tag_keys)
        if (*key == f.value || (key->size() > f.value.size() && key->starts_with(f.value) && (*key)[f.value.size()] == '/'))
          return true;
      return false;
  }
  return false;
}

}  // namespace sito::detail
