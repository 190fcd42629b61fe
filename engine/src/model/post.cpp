#include "sito/model/post.hpp"

#include "sito/base/utf8.hpp"

namespace sito {

namespace {
status check_field(std::string_view name, std::string_view value, const post_limits& limits) {
  if (value.size() > limits.max_field_bytes) {
    return out_of_range("field '" + std::string(name) + "' has " + std::to_string(value.size()) +
                        " bytes, more than the limit of " + std::to_string(limits.max_field_bytes));
  }
  size_t bad = utf8::find_invalid(value);
  if (bad != std::string_view::npos) {
    return invalid_argument("field '" + std::string(name) + "' has invalid UTF-8 at byte " +
                            std::to_string(bad));
  }
  return ok_status();
}
}  // namespace

std::string author_link_error(std::string_view link) {
  if (link.size() > max_author_link_bytes)
    return "has " + std::to_string(link.size()) + " bytes, more than " + std::to_string(max_author_link_bytes);
  const size_t colon = link.find(':');
  if (colon == std::string_view::npos || colon == 0) return "is not of the form platform:id";
  for (const char c : link.substr(0, colon))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return "has a platform that is not [a-z0-9_.-]";
  const std::string_view id = link.substr(colon + 1);
  if (id.empty()) return "has an empty id";
  if (const size_t bad = utf8::find_invalid(id); bad != std::string_view::npos)
    return "has invalid UTF-8 at byte " + std::to_string(colon + 1 + bad);
  for (const char c : id)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "has a control character";
  return {};
}

status validate_post(const post& p, const post_limits& limits) {
  if (p.id.empty()) return invalid_argument("post has no id");
  SITO_RETURN_IF_ERROR(check_field("title", p.title, limits));
  SITO_RETURN_IF_ERROR(check_field("text", p.text, limits));
  SITO_RETURN_IF_ERROR(check_field("image_text", p.image_text, limits));
  if (p.images.size() > limits.max_images)
    return out_of_range("post carries " + std::to_string(p.images.size()) + " images, more than the limit of " +
                        std::to_string(limits.max_images));
  for (size_t i = 0; i < p.images.size(); ++i)
    if (p.images[i].data.size() > limits.max_image_bytes)
      return out_of_range("field 'images[" + std::to_string(i) + "]' has " + std::to_string(p.images[i].data.size()) +
                          " bytes, more than the limit of " + std::to_string(limits.max_image_bytes));
  if (p.author.links.size() > max_author_links)
    return out_of_range("field 'author.links' has " + std::to_string(p.author.links.size()) +
                        " entries, more than the limit of " + std::to_string(max_author_links));
  for (size_t i = 0; i < p.author.links.size(); ++i)
    if (auto why = author_link_error(p.author.links[i]); !why.empty())
      return invalid_argument("field 'author.links[" + std::to_string(i) + "]' " + why);
  return ok_status();
}

}  // namespace sito
