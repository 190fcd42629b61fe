// Private: reads one entry of a tenant's `connectors:` list (the keys are
// documented in sito/server/connector_config.hpp). Secrets named by
// *_file / *_env keys are read here; a message about them names the key and
// the file or variable, never the secret.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "sito/base/status.hpp"
#include "sito/server/connector_config.hpp"

namespace sito::server {

/// `where` names the entry in messages: "tenants[0].connectors[1]".
/// Errors read "ORIGIN: WHERE.KEY: what is wrong".
result<connector_config> parse_connector(const YAML::Node& node, const std::string& origin, const std::string& where);

}  // namespace sito::server
