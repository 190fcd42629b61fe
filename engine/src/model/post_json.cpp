#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sito/model/post.hpp"

namespace sito {
namespace {

using json = nlohmann::json;

status read_string(const json& obj, const char* key, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return ok_status();
  if (it->is_string()) { out = it->get<std::string>(); return ok_status(); }
  if (it->is_number_unsigned()) { out = std::to_string(it->get<uint64_t>()); return ok_status(); }
  if (it->is_number_integer()) { out = std::to_string(it->get<int64_t>()); return ok_status(); }
  return invalid_argument(std::string("field '") + key + "' must be a string");
}

status read_int(const json& obj, const char* key, int64_t& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return ok_status();
  if (!it->is_number_integer()) return invalid_argument(std::string("field '") + key + "' must be an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(INT64_MAX))
    return out_of_range(std::string("field '") + key + "' is larger than 9223372036854775807");
  out = it->get<int64_t>();
  return ok_status();
}

/// Standard or URL-safe base64, padding optional, whitespace ignored.
bool base64_decode(std::string_view in, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char ch : in) {
    const unsigned char c = static_cast<unsigned char>(ch);
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=') { ++pad; continue; }
    else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    else return false;
    if (pad) return false;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return pad <= 2;
}

status read_images(const json& arr, std::vector<image_blob>& out) {
  out.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const json& e = arr[i];
    const std::string where = "field 'images[" + std::to_string(i) + "]'";
    image_blob blob;
    const json* data = &e;
    if (e.is_object()) {
      auto d = e.find("data");
      if (d == e.end()) return invalid_argument(where + " has no 'data'");
      data = &*d;
      if (auto m = e.find("mime"); m != e.end() && !m->is_null()) {
        if (!m->is_string()) return invalid_argument(where + ".mime must be a string");
        blob.mime = m->get<std::string>();
      }
    }
    if (!data->is_string()) return invalid_argument(where + " must be a base64 string or {data, mime}");
    if (!base64_decode(data->get_ref<const std::string&>(), blob.data)) return invalid_argument(where + " is not base64");
    out.push_back(std::move(blob));
  }
  return ok_status();
}

status read_bool(const json& obj, const char* key, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return ok_status();
  if (!it->is_boolean()) return invalid_argument(std::string("field '") + key + "' must be true or false");
  out = it->get<bool>();
  return ok_status();
}

}  // namespace

/// The keys of `obj` outside `known`: counted, and named when asked.
void note_unknown(const json& obj, std::initializer_list<std::string_view> known, std::string_view prefix, post& p,
                  std::vector<std::string>* names) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    ++p.unknown_fields;
    if (names) names->push_back(std::string(prefix) + key);
  }
}

result<post> post_from_json(std::string_view text, std::vector<std::string>* unknown_names) {
  json obj = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) return invalid_argument("not valid JSON (or not valid UTF-8)");
  if (!obj.is_object()) return invalid_argument("a post must be a JSON object");
  post p;
  note_unknown(obj,
               {"id", "source", "source_type", "channel", "place", "url", "lang", "title", "text", "image_text",
                "parent_id", "published_at", "reach", "engagement", "is_repost", "images", "image_count", "author"},
               "", p, unknown_names);
  SITO_RETURN_IF_ERROR(read_string(obj, "id", p.id));
  SITO_RETURN_IF_ERROR(read_string(obj, "source", p.source));
  SITO_RETURN_IF_ERROR(read_string(obj, "source_type", p.source_type));
  SITO_RETURN_IF_ERROR(read_string(obj, "channel", p.channel));
  SITO_RETURN_IF_ERROR(read_string(obj, "place", p.place));
  SITO_RETURN_IF_ERROR(read_string(obj, "url", p.url));
  SITO_RETURN_IF_ERROR(read_string(obj, "lang", p.lang));
  SITO_RETURN_IF_ERROR(read_string(obj, "title", p.title));
  SITO_RETURN_IF_ERROR(read_string(obj, "text", p.text));
  SITO_RETURN_IF_ERROR(read_string(obj, "image_text", p.image_text));
  SITO_RETURN_IF_ERROR(read_string(obj, "parent_id", p.parent_id));
  SITO_RETURN_IF_ERROR(read_int(obj, "published_at", p.published_at));
  SITO_RETURN_IF_ERROR(read_int(obj, "reach", p.reach));
  SITO_RETURN_IF_ERROR(read_int(obj, "engagement", p.engagement));
  SITO_RETURN_IF_ERROR(read_bool(obj, "is_repost", p.is_repost));
  if (auto it = obj.find("images"); it != obj.end() && !it->is_null()) {
    if (!it->is_array()) return invalid_argument("field 'images' must be an array");
    SITO_RETURN_IF_ERROR(read_images(*it, p.images));
    p.image_count = static_cast<uint32_t>(p.images.size());
  } else {
    int64_t count = 0;
    SITO_RETURN_IF_ERROR(read_int(obj, "image_count", count));
    if (count < 0) return invalid_argument("field 'image_count' must not be negative");
    p.image_count = static_cast<uint32_t>(std::min<int64_t>(count, UINT32_MAX));
  }
  if (auto it = obj.find("author"); it != obj.end() && !it->is_null()) {
    if (!it->is_object()) return invalid_argument("field 'author' must be an object");
    const json& a = *it;
    note_unknown(a, {"id", "handle", "name", "gender", "country", "city", "verified", "followers", "age", "links"}, "author.", p,
                 unknown_names);
    SITO_RETURN_IF_ERROR(read_string(a, "id", p.author.id));
    SITO_RETURN_IF_ERROR(read_string(a, "handle", p.author.handle));
    SITO_RETURN_IF_ERROR(read_string(a, "name", p.author.name));
    SITO_RETURN_IF_ERROR(read_string(a, "gender", p.author.gender));
    SITO_RETURN_IF_ERROR(read_string(a, "country", p.author.country));
    SITO_RETURN_IF_ERROR(read_string(a, "city", p.author.city));
    SITO_RETURN_IF_ERROR(read_bool(a, "verified", p.author.verified));
    int64_t followers = -1, age = -1;
    SITO_RETURN_IF_ERROR(read_int(a, "followers", followers));
    SITO_RETURN_IF_ERROR(read_int(a, "age", age));
    if (a.contains("followers") && !a["followers"].is_null()) p.author.followers = followers;
    if (a.contains("age") && !a["age"].is_null()) {
      if (age < 0 || age > 200) return out_of_range("field 'age' must be between 0 and 200");
      p.author.age = static_cast<int32_t>(age);
    }
    if (auto l = a.find("links"); l != a.end() && !l->is_null()) {
      if (!l->is_array()) return invalid_argument("field 'author.links' must be an array of strings");
      if (l->size() > max_author_links)
        return out_of_range("field 'author.links' has " + std::to_string(l->size()) +
                            " entries, more than the limit of " + std::to_string(max_author_links));
      for (size_t i = 0; i < l->size(); ++i) {
        const json& e = (*l)[i];
        if (!e.is_string()) return invalid_argument("field 'author.links[" + std::to_string(i) + "]' must be a string");
        p.author.links.push_back(e.get<std::string>());
        if (auto why = author_link_error(p.author.links.back()); !why.empty())
          return invalid_argument("field 'author.links[" + std::to_string(i) + "]' " + why);
      }
    }
  }
  return p;
}

std::string post_to_json(const post& p) {
  json obj;
  obj["id"] = p.id;
  auto put = [&](const char* k, const std::string& v) { if (!v.empty()) obj[k] = v; };
  put("source", p.source);
  put("source_type", p.source_type);
  put("channel", p.channel);
  put("place", p.place);
  put("url", p.url);
  put("lang", p.lang);
  put("title", p.title);
  put("text", p.text);
  put("image_text", p.image_text);
  put("parent_id", p.parent_id);
  if (p.published_at) obj["published_at"] = p.published_at;
  if (p.is_repost) obj["is_repost"] = true;
  if (p.image_count) obj["image_count"] = p.image_count;
  if (p.reach) obj["reach"] = p.reach;
  if (p.engagement) obj["engagement"] = p.engagement;
  json a = json::object();
  auto aput = [&](const char* k, const std::string& v) { if (!v.empty()) a[k] = v; };
  aput("id", p.author.id);
  aput("handle", p.author.handle);
  aput("name", p.author.name);
  aput("gender", p.author.gender);
  aput("country", p.author.country);
  aput("city", p.author.city);
  if (p.author.followers) a["followers"] = *p.author.followers;
  if (p.author.age) a["age"] = *p.author.age;
  if (p.author.verified) a["verified"] = true;
  if (!p.author.links.empty()) a["links"] = p.author.links;
  if (!a.empty()) obj["author"] = a;
  return obj.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sito
