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
  return ok_status();
}

}  // namespace sito
