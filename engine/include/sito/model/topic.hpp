// File: sito/model/topic.hpp
//
// A topic as analysts define it (DESIGN §2): a query, channels, and the
// tenant that owns it. Tags and rules arrive with a later module.
#pragma once

#include <string>
#include <vector>

#include "sito/base/status.hpp"

namespace sito {

/// An auto-tag of a topic (DESIGN §2): the path is set on a mention of the
/// topic when the condition holds. The condition is a query in the same
/// language — terms, metadata filters (`type:review`, `followers:>=1000`)
/// or both — evaluated only for posts that matched the topic.
struct tag_spec {
  std::string path;   ///< e.g. "Тачпоинт/Сервис/Доставка"
  std::string query;  ///< may be purely negative or filter-only
};

struct topic_spec {
  std::string tenant;
  std::string id;
  std::string name;
  std::string query;                  ///< DESIGN §3; may be empty when channels are given
  std::vector<std::string> channels;  ///< every post from these channels belongs to the topic
  std::vector<std::string> own_accounts;
  std::vector<tag_spec> tags;
};

/// Loads topics from a YAML or JSON file (chosen by extension: .yaml/.yml or
/// .json). Layout:
///   tenant: acme            # default tenant for the topics below
///   topics:
///     - id: brand
///       name: Brand
///       query: 'flowwow OR фловвов'
///       channels: [otzovik:flowwow]
///       tags:
///         - {path: "Субъект/Курьер", query: 'курьер*'}
///         - {path: "Источник/Отзывы", query: 'type:review'}
/// JSON uses the same shape. Errors name the file and the entry.
result<std::vector<topic_spec>> load_topics_file(const std::string& path);

}  // namespace sito
