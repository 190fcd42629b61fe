// File: sito/model/topic.hpp
//
// A topic as analysts define it (DESIGN §2): a query, channels, and the
// tenant that owns it. Tags and rules arrive with a later module.
#pragma once

#include <string>
#include <vector>

#include "sito/base/status.hpp"

namespace sito {

struct topic_spec {
  std::string tenant;
  std::string id;
  std::string name;
  std::string query;                  ///< DESIGN §3; may be empty when channels are given
  std::vector<std::string> channels;  ///< every post from these channels belongs to the topic
  std::vector<std::string> own_accounts;
};

/// Loads topics from a YAML or JSON file (chosen by extension: .yaml/.yml or
/// .json). Layout:
///   tenant: acme            # default tenant for the topics below
///   topics:
///     - id: brand
///       name: Brand
///       query: 'flowwow OR фловвов'
///       channels: [otzovik:flowwow]
/// JSON uses the same shape. Errors name the file and the entry.
result<std::vector<topic_spec>> load_topics_file(const std::string& path);

}  // namespace sito
