#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "sito/base/known_keys.hpp"
#include "sito/model/topic.hpp"

namespace sito {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// One tag of a topic's `tags:` (tag_spec); `tw` says where, for errors.
result<tag_spec> parse_tag(const YAML::Node& tg, const std::string& tw) {
  SITO_RETURN_IF_ERROR(
      check_known_keys(tg, {"path", "query", "examples", "counter_examples", "min_similarity"}, tw, "a tag"));
  if (!tg.IsMap() || !tg["path"] || tg["path"].as<std::string>().empty())
    return invalid_argument(tw + ": a tag needs a 'path'");
  tag_spec spec{tg["path"].as<std::string>(), tg["query"] ? tg["query"].as<std::string>() : std::string()};
  for (const char* key : {"examples", "counter_examples"}) {
    if (!tg[key]) continue;
    if (!tg[key].IsSequence()) return invalid_argument(tw + ": '" + key + "' must be a list of phrases");
    auto& dst = std::string(key) == "examples" ? spec.examples : spec.counter_examples;
    for (const auto& e : tg[key]) {
      if (!e.IsScalar()) return invalid_argument(tw + ": '" + key + "' must be a list of phrases");
      dst.push_back(e.as<std::string>());
    }
  }
  if (tg["min_similarity"]) {
    if (!tg["min_similarity"].IsScalar()) return invalid_argument(tw + ": 'min_similarity' must be a number");
    try {
      spec.min_similarity = tg["min_similarity"].as<float>();
    } catch (const YAML::Exception&) {
      return invalid_argument(tw + ": 'min_similarity' must be a number in (0, 1], got '" +
                              tg["min_similarity"].as<std::string>() + "'");
    }
    if (!(spec.min_similarity > 0.0f && spec.min_similarity <= 1.0f))
      return invalid_argument(tw + ": 'min_similarity' must be in (0, 1], got " +
                              tg["min_similarity"].as<std::string>());
    if (spec.examples.empty())
      return invalid_argument(tw + ": 'min_similarity' needs 'examples'");
  }
  if (!spec.counter_examples.empty() && spec.examples.empty())
    return invalid_argument(tw + ": 'counter_examples' need 'examples' (phrases that should get the tag)");
  if (spec.query.empty() && spec.examples.empty())
    return invalid_argument(tw + ": a tag needs a 'query' (terms and/or filters) or 'examples'");
  return spec;
}

// YAML is a superset of JSON, so one reader serves both formats; the
// extension only decides which error wording a user sees.
result<rule_spec> parse_rule(const YAML::Node& r, const std::string& where) {
  if (!r.IsMap()) return invalid_argument(where + ": a rule must be a map with 'when' and 'then'");
  SITO_RETURN_IF_ERROR(check_known_keys(r, {"name", "when", "then"}, where, "a rule"));
  rule_spec rule;
  if (r["name"]) rule.name = r["name"].as<std::string>();
  if (r["when"] && !r["when"].IsNull()) rule.when = r["when"].as<std::string>();
  const YAML::Node then = r["then"];
  if (!then || !then.IsMap()) return invalid_argument(where + ": a rule needs a 'then' map");
  bool any = false;
  for (const auto& kv : then) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node v = kv.second;
    if (key == "add_tags" || key == "add_tag") {
      if (v.IsSequence()) {
        for (const auto& t : v) rule.then.add_tags.push_back(t.as<std::string>());
      } else {
        rule.then.add_tags.push_back(v.as<std::string>());
      }
    } else if (key == "sentiment") {
      rule.then.sentiment = v.as<std::string>();
    } else if (key == "priority") {
      double p = 0;
      if (!YAML::convert<double>::decode(v, p) || p < 0 || p > 100)
        return invalid_argument(where + ": 'priority' must be a number from 0 to 100");
      rule.then.priority = p;
    } else if (key == "processed") {
      rule.then.processed = v.as<bool>();
    } else if (key == "drop") {
      rule.then.drop = v.as<bool>();
    } else {
      return invalid_argument(where + ": unknown action '" + key +
                              "' (add_tags, sentiment, priority, processed, drop)");
    }
    any = true;
  }
  if (!any) return invalid_argument(where + ": 'then' has no action");
  return rule;
}

result<tenant_file> parse_tenant(const YAML::Node& root, const std::string& path) {
  tenant_file file;
  std::vector<topic_spec>& out = file.topics;
  std::string default_tenant = "default";
  YAML::Node list;
  if (root.IsSequence()) {
    list = root;
  } else if (root.IsMap()) {
    SITO_RETURN_IF_ERROR(check_known_keys(root, {"tenant", "sentiment_lexicon", "topics"}, path, "the file"));
    if (root["tenant"]) default_tenant = root["tenant"].as<std::string>();
    if (root["sentiment_lexicon"]) file.sentiment_lexicon = root["sentiment_lexicon"].as<std::string>();
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
    SITO_RETURN_IF_ERROR(
        check_known_keys(n, {"tenant", "id", "name", "query", "channels", "own_accounts", "tags", "rules", "nps"}, where,
                         "a topic"));
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
        SITO_ASSIGN_OR_RETURN(tag_spec spec, parse_tag(tg, tw));
        t.tags.push_back(std::move(spec));
      }
    }
    if (const YAML::Node rules = n["rules"]) {
      if (!rules.IsSequence()) return invalid_argument(where + ": 'rules' must be a list");
      for (size_t k = 0; k < rules.size(); ++k) {
        auto rule = parse_rule(rules[k], where + ": rules[" + std::to_string(k) + "]");
        if (!rule.ok()) return rule.error();
        if (rule->name.empty()) rule->name = std::to_string(k + 1);
        t.rules.push_back(std::move(rule).value());
      }
    }
    if (const YAML::Node nps = n["nps"]) {
      const std::string nw = where + ": nps";
      if (!nps.IsMap()) return invalid_argument(nw + ": expected {promoters: PATH, passives: PATH, detractors: PATH}");
      SITO_RETURN_IF_ERROR(check_known_keys(nps, {"promoters", "passives", "detractors"}, nw, "nps"));
      if (nps["promoters"]) t.nps.promoters = nps["promoters"].as<std::string>();
      if (nps["passives"]) t.nps.passives = nps["passives"].as<std::string>();
      if (nps["detractors"]) t.nps.detractors = nps["detractors"].as<std::string>();
      if (t.nps.promoters.empty() || t.nps.detractors.empty())
        return invalid_argument(nw + ": needs the tag paths of 'promoters' and 'detractors' ('passives' is optional)");
    }
    out.push_back(std::move(t));
  }
  file.tenant = default_tenant;
  return file;
}

}  // namespace

result<std::vector<topic_spec>> load_topics_file(const std::string& path) {
  SITO_ASSIGN_OR_RETURN(tenant_file file, load_tenant_file(path));
  return std::move(file.topics);
}

result<tenant_file> load_tenant_file(const std::string& path) {
  if (!(ends_with(path, ".yaml") || ends_with(path, ".yml") || ends_with(path, ".json"))) {
    return invalid_argument(path + ": topics file must end in .yaml, .yml or .json");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_tenant_file(ss.str(), path);
}

result<tenant_file> parse_tenant_file(const std::string& text, const std::string& path) {
  try {
    YAML::Node root = YAML::Load(text);
    return parse_tenant(root, path);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports errors by exception; turn them into a value here.
    return invalid_argument(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

result<tag_spec> parse_tag_definition(std::string_view text) {
  YAML::Node n;
  try {
    n = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalid_argument("tag definition: " + std::string(e.what()));
  }
  if (!n.IsMap()) return invalid_argument("tag definition: expected a map such as {path: …, examples: […]}");
  try {
    return parse_tag(n, "tag definition");
  } catch (const YAML::Exception& e) {
    return invalid_argument("tag definition: " + std::string(e.what()));
  }
}

}  // namespace sito
