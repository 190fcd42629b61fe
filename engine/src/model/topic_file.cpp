#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "sito/model/topic.hpp"

namespace sito {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// YAML is a superset of JSON, so one reader serves both formats; the
// extension only decides which error wording a user sees.
result<std::vector<topic_spec>> parse_topics(const YAML::Node& root, const std::string& path) {
  std::vector<topic_spec> out;
  std::string default_tenant = "default";
  YAML::Node list;
  if (root.IsSequence()) {
    list = root;
  } else if (root.IsMap()) {
    if (root["tenant"]) default_tenant = root["tenant"].as<std::string>();
    const YAML::Node topics = root["topics"];  // a missing key must not be assigned (yaml-cpp)
    if (!topics || !topics.IsSequence()) return invalid_argument(path + ": expected a 'topics' list");
    list = topics;
  } else {
    return invalid_argument(path + ": expected a map with 'topics' or a list of topics");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node& n = list[i];
    std::string where = path + ": topics[" + std::to_string(i) + "]";
    if (!n.IsMap()) return invalid_argument(where + ": a topic must be a map");
    topic_spec t;
    t.tenant = n["tenant"] ? n["tenant"].as<std::string>() : default_tenant;
    if (!n["id"] || n["id"].IsNull() || n["id"].as<std::string>().empty())
      return invalid_argument(where + ": missing 'id'");
    t.id = n["id"].as<std::string>();
    t.name = n["name"] ? n["name"].as<std::string>() : t.id;
    if (n["query"]) t.query = n["query"].as<std::string>();
    for (const char* key : {"channels", "own_accounts"}) {
      if (!n[key]) continue;
      if (!n[key].IsSequence()) return invalid_argument(where + ": '" + key + "' must be a list");
      auto& dst = std::string(key) == "channels" ? t.channels : t.own_accounts;
      for (const auto& c : n[key]) dst.push_back(c.as<std::string>());
    }
    if (const YAML::Node tags = n["tags"]) {
      if (!tags.IsSequence()) return invalid_argument(where + ": 'tags' must be a list");
      for (size_t k = 0; k < tags.size(); ++k) {
        const YAML::Node tg = tags[k];
        const std::string tw = where + ": tags[" + std::to_string(k) + "]";
        if (!tg.IsMap() || !tg["path"] || tg["path"].as<std::string>().empty())
          return invalid_argument(tw + ": a tag needs a 'path'");
        if (!tg["query"] || tg["query"].as<std::string>().empty())
          return invalid_argument(tw + ": a tag needs a 'query' (terms and/or filters)");
        t.tags.push_back({tg["path"].as<std::string>(), tg["query"].as<std::string>()});
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

result<std::vector<topic_spec>> load_topics_file(const std::string& path) {
  if (!(ends_with(path, ".yaml") || ends_with(path, ".yml") || ends_with(path, ".json"))) {
    return invalid_argument(path + ": topics file must end in .yaml, .yml or .json");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    YAML::Node root = YAML::Load(ss.str());
    return parse_topics(root, path);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports errors by exception; turn them into a value here.
    return invalid_argument(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace sito
