#include "sito/server/config.hpp"

#include "sito/server/period_stats.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "sito/base/known_keys.hpp"
#include "connectors/connector_config.hpp"
#include "kafka/kafka_config.hpp"

#include <fstream>
#include <sstream>

namespace sito::server {

std::string sha256_hex(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

namespace {

status split_host_port(const std::string& value, std::string& host, uint16_t& port, const std::string& what) {
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) return invalid_argument(what + ": expected host:port, got '" + value + "'");
  host = value.substr(0, colon);
  const std::string p = value.substr(colon + 1);
  char* end = nullptr;
  const unsigned long n = std::strtoul(p.c_str(), &end, 10);
  if (p.empty() || *end != '\0' || n > 65535) return invalid_argument(what + ": bad port '" + p + "'");
  port = static_cast<uint16_t>(n);
  return ok_status();
}

/// `n` as a T, or an error naming `what` and what was expected (yaml-cpp's
/// own message names neither the key nor the value).
template <typename T>
result<T> scalar_as(const YAML::Node& n, const std::string& what, const std::string& expected) {
  if (!n.IsScalar()) return invalid_argument(what + ": expected " + expected);
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    return invalid_argument(what + ": expected " + expected + ", got '" + n.Scalar() + "'");
  }
}

/// A duration: a number of seconds, or a number followed by s, m, h or d
/// ("24h", "90m"); `what` names the key in the message.
result<int64_t> parse_duration_ms(const std::string& value, const std::string& what) {
  const std::string hint = what + ": expected a duration such as 24h, 90m, 3600s or 2d, got '" + value + "'";
  if (value.empty()) return invalid_argument(hint);
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return invalid_argument(hint);
  const int64_t n = std::stoll(value.substr(0, digits));
  const std::string unit = value.substr(digits);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return invalid_argument(hint);
  return n * scale;
}

}  // namespace

result<server_config> parse_config(const std::string& yaml_text, const std::string& origin) {
  server_config c;
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (!root || root.IsNull()) return c;
    if (!root.IsMap()) return invalid_argument(origin + ": the config must be a map");
    SITO_RETURN_IF_ERROR(check_known_keys(root,
                                    {"listen", "tls", "http", "data_dir", "sync_writes", "limits", "ocr", "retention",
                                     "dedup", "alerts", "stats", "near_duplicates", "embeddings", "tenants", "kafka"},
                                    origin, "the config"));
    if (root["listen"]) SITO_RETURN_IF_ERROR(split_host_port(root["listen"].as<std::string>(), c.listen_host, c.listen_port, origin + ": listen"));
    if (const YAML::Node t = root["tls"]) {
      // `tls: off` (or no key at all) keeps plain TCP; a map needs both files.
      if (t.IsScalar() && (t.as<std::string>() == "off" || t.as<std::string>() == "false")) {
        c.tls.reset();
      } else {
        if (!t.IsMap()) return invalid_argument(origin + ": tls: expected {cert: PATH, key: PATH} or off");
        SITO_RETURN_IF_ERROR(check_known_keys(t, {"cert", "key"}, origin, "tls"));
        tls_config tc;
        if (t["cert"]) tc.cert_file = t["cert"].as<std::string>();
        if (t["key"]) tc.key_file = t["key"].as<std::string>();
        if (tc.cert_file.empty()) return invalid_argument(origin + ": tls: missing 'cert' (a PEM certificate chain)");
        if (tc.key_file.empty()) return invalid_argument(origin + ": tls: missing 'key' (a PEM private key)");
        c.tls = std::move(tc);
      }
    }
    if (const YAML::Node hn = root["http"]) {
      auto listen = [&](const std::string& h) -> status {
        if (h == "off" || h == "false") c.http_enabled = false;
        else SITO_RETURN_IF_ERROR(split_host_port(h, c.http_host, c.http_port, origin + ": http"));
        return ok_status();
      };
      if (hn.IsScalar()) {
        SITO_RETURN_IF_ERROR(listen(hn.as<std::string>()));
      } else {
        if (!hn.IsMap()) return invalid_argument(origin + ": http: expected HOST:PORT, off, or a map");
        SITO_RETURN_IF_ERROR(check_known_keys(hn,
                                              {"listen", "playground", "max_connections", "max_header_bytes",
                                               "max_body_bytes", "request_timeout_seconds", "keep_alive_seconds"},
                                              origin, "http"));
        if (hn["listen"]) SITO_RETURN_IF_ERROR(listen(hn["listen"].as<std::string>()));
        http_config& h = c.http;
        if (hn["playground"]) {
          const std::string v = hn["playground"].as<std::string>();
          h.playground = v == "true" ? "on" : v == "false" ? "off" : v;
          if (h.playground != "on" && h.playground != "off" && h.playground != "auto")
            return invalid_argument(origin + ": http: playground must be on, off or auto (on when http listens on loopback), not '" + v + "'");
        }
        if (hn["max_connections"]) h.max_connections = hn["max_connections"].as<uint32_t>();
        if (hn["max_header_bytes"]) h.max_header_bytes = hn["max_header_bytes"].as<uint32_t>();
        if (hn["max_body_bytes"]) h.max_body_bytes = hn["max_body_bytes"].as<uint32_t>();
        if (hn["request_timeout_seconds"]) h.request_timeout_seconds = hn["request_timeout_seconds"].as<uint32_t>();
        if (hn["keep_alive_seconds"]) h.keep_alive_seconds = hn["keep_alive_seconds"].as<uint32_t>();
        if (h.max_connections == 0) return invalid_argument(origin + ": http: max_connections must be at least 1");
        if (h.max_header_bytes < 1024 || h.max_header_bytes > (1u << 20))
          return invalid_argument(origin + ": http: max_header_bytes must be 1024..1048576");
        if (h.max_body_bytes < 1024 || h.max_body_bytes > (256u << 20))
          return invalid_argument(origin + ": http: max_body_bytes must be 1024..268435456");
        if (h.request_timeout_seconds == 0 || h.request_timeout_seconds > 3600 || h.keep_alive_seconds == 0 ||
            h.keep_alive_seconds > 3600)
          return invalid_argument(origin + ": http: request_timeout_seconds and keep_alive_seconds must be 1..3600");
      }
    }
    if (root["data_dir"]) c.data_dir = root["data_dir"].as<std::string>();
    if (root["sync_writes"]) c.sync_writes = root["sync_writes"].as<bool>();
    if (const YAML::Node l = root["limits"]) {
      SITO_RETURN_IF_ERROR(check_known_keys(l,
                                      {"max_frame_bytes", "max_batch_posts", "producer_window", "max_field_bytes",
                                       "subscriber_buffer_mentions", "max_images_per_post", "max_image_bytes",
                                       "max_connections", "max_connections_per_tenant", "hello_timeout_seconds",
                                       "frame_timeout_seconds", "idle_timeout_seconds", "ingest_posts_per_second",
                                       "token_grace_seconds"},
                                      origin, "limits"));
      if (l["max_frame_bytes"]) c.max_frame_bytes = l["max_frame_bytes"].as<uint32_t>();
      if (l["max_batch_posts"]) c.max_batch_posts = l["max_batch_posts"].as<uint32_t>();
      if (l["producer_window"]) c.producer_window = l["producer_window"].as<uint32_t>();
      if (l["max_field_bytes"]) c.max_field_bytes = l["max_field_bytes"].as<uint32_t>();
      if (l["subscriber_buffer_mentions"]) c.subscriber_buffer_mentions = l["subscriber_buffer_mentions"].as<uint32_t>();
      if (l["max_images_per_post"]) c.max_images_per_post = l["max_images_per_post"].as<uint32_t>();
      if (l["max_image_bytes"]) c.max_image_bytes = l["max_image_bytes"].as<uint32_t>();
      if (l["max_connections"]) c.max_connections = l["max_connections"].as<uint32_t>();
      if (l["max_connections_per_tenant"]) c.max_connections_per_tenant = l["max_connections_per_tenant"].as<uint32_t>();
      if (l["hello_timeout_seconds"]) c.hello_timeout_seconds = l["hello_timeout_seconds"].as<uint32_t>();
      if (l["frame_timeout_seconds"]) c.frame_timeout_seconds = l["frame_timeout_seconds"].as<uint32_t>();
      if (l["idle_timeout_seconds"]) c.idle_timeout_seconds = l["idle_timeout_seconds"].as<uint32_t>();
      if (l["ingest_posts_per_second"]) c.ingest_posts_per_second = l["ingest_posts_per_second"].as<uint32_t>();
      if (l["token_grace_seconds"]) c.token_grace_seconds = l["token_grace_seconds"].as<uint32_t>();
      if (c.max_connections == 0 || c.max_connections_per_tenant == 0)
        return invalid_argument(origin + ": limits: max_connections and max_connections_per_tenant must be at least 1");
      if (c.hello_timeout_seconds == 0 || c.hello_timeout_seconds > 3600)
        return invalid_argument(origin + ": limits: hello_timeout_seconds must be 1..3600");
      if (c.frame_timeout_seconds > 3600)
        return invalid_argument(origin + ": limits: frame_timeout_seconds must be 0..3600 (0: no limit)");
    }
    if (const YAML::Node o = root["ocr"]) {
      if (o.IsScalar()) {
        c.ocr.enabled = o.as<bool>();  // `ocr: off`
      } else {
        if (!o.IsMap()) return invalid_argument(origin + ": ocr: expected a map or off");
        SITO_RETURN_IF_ERROR(check_known_keys(o,
                                        {"enabled", "backend", "workers", "queue_posts", "queue_bytes",
                                         "max_images_per_post", "max_age_ms", "drain_ms", "languages", "tessdata"},
                                        origin, "ocr"));
        if (o["enabled"]) c.ocr.enabled = o["enabled"].as<bool>();
        if (o["backend"]) c.ocr.backend = o["backend"].as<std::string>();
        if (o["workers"]) c.ocr.workers = o["workers"].as<uint32_t>();
        if (o["queue_posts"]) c.ocr.queue_posts = o["queue_posts"].as<uint32_t>();
        if (o["queue_bytes"]) c.ocr.queue_bytes = o["queue_bytes"].as<uint64_t>();
        if (o["max_images_per_post"]) c.ocr.max_images_per_post = o["max_images_per_post"].as<uint32_t>();
        if (o["max_age_ms"]) c.ocr.max_age_ms = o["max_age_ms"].as<int64_t>();
        if (o["drain_ms"]) c.ocr.drain_ms = o["drain_ms"].as<int64_t>();
        if (o["languages"]) c.ocr.languages = o["languages"].as<std::string>();
        if (o["tessdata"]) c.ocr.tessdata_dir = o["tessdata"].as<std::string>();
      }
      if (c.ocr.enabled && (c.ocr.workers == 0 || c.ocr.workers > 256))
        return invalid_argument(origin + ": ocr: workers must be 1..256");
      if (c.ocr.enabled && c.ocr.queue_posts == 0) return invalid_argument(origin + ": ocr: queue_posts must be at least 1");
      if (c.ocr.backend != "cpu" && c.ocr.backend != "cuda" && c.ocr.backend != "auto")
        return invalid_argument(origin + ": ocr: backend must be cpu, cuda or auto");
    }
    if (const YAML::Node e = root["embeddings"]) {
      if (!e.IsMap()) return invalid_argument(origin + ": embeddings: expected a map such as {backend: auto}");
      SITO_RETURN_IF_ERROR(check_known_keys(e, {"backend", "model", "min_similarity"}, origin, "embeddings"));
      if (e["backend"]) c.embeddings.backend = e["backend"].as<std::string>();
      if (e["model"]) c.embeddings.model = e["model"].as<std::string>();
      if (e["min_similarity"]) {
        c.embeddings.min_similarity = e["min_similarity"].as<float>();
        if (!(c.embeddings.min_similarity > 0.0f && c.embeddings.min_similarity <= 1.0f))
          return invalid_argument(origin + ": embeddings: min_similarity must be in (0, 1]");
      }
      if (c.embeddings.backend != "cpu" && c.embeddings.backend != "cuda" && c.embeddings.backend != "auto")
        return invalid_argument(origin + ": embeddings: backend must be cpu, cuda or auto, not '" +
                                c.embeddings.backend + "'");
    }
    if (const YAML::Node k = root["kafka"]) { SITO_ASSIGN_OR_RETURN(c.kafka, parse_kafka_config(k, origin)); }
    if (const YAML::Node r = root["retention"]) {
      SITO_RETURN_IF_ERROR(check_known_keys(r, {"bytes", "hours"}, origin, "retention"));
      if (r["bytes"]) c.retention_bytes = r["bytes"].as<uint64_t>();
      if (r["hours"]) c.retention_hours = r["hours"].as<int64_t>();
    }
    if (const YAML::Node d = root["dedup"]) {
      SITO_RETURN_IF_ERROR(check_known_keys(d, {"hours"}, origin, "dedup"));
      if (d["hours"]) c.dedup_hours = d["hours"].as<int64_t>();
      if (c.dedup_hours && (*c.dedup_hours < 0 || *c.dedup_hours > 24 * 365 * 100))
        return invalid_argument(origin + ": dedup: hours must be 0 (off) to 876000 (100 years)");
    }
    if (const YAML::Node st = root["stats"]) {
      SITO_RETURN_IF_ERROR(check_known_keys(st, {"rollups", "retention_days"}, origin, "stats"));
      if (st["rollups"]) c.stats.rollups = st["rollups"].as<bool>();
      if (st["retention_days"]) c.stats.retention_days = st["retention_days"].as<int64_t>();
      if (c.stats.retention_days < 0 || c.stats.retention_days > 36500)
        return invalid_argument(origin + ": stats: retention_days must be 0 (keep) to 36500");
    }
    if (const YAML::Node nd = root["near_duplicates"]) {
      near_duplicates_config& n = c.near_duplicates;
      if (nd.IsScalar() && (nd.as<std::string>() == "off" || nd.as<std::string>() == "false")) {
        n.enabled = false;
      } else {
        if (!nd.IsMap())
          return invalid_argument(origin + ": near_duplicates: expected {window: 24h, threshold: 0.5, max_posts: 200000} or off");
        SITO_RETURN_IF_ERROR(check_known_keys(nd, {"enabled", "window", "threshold", "max_posts"}, origin, "near_duplicates"));
        const std::string where = origin + ": near_duplicates: ";
        if (nd["enabled"]) {
          SITO_ASSIGN_OR_RETURN(n.enabled, scalar_as<bool>(nd["enabled"], where + "enabled", "true or false"));
        }
        if (nd["window"]) {
          SITO_ASSIGN_OR_RETURN(const std::string w, scalar_as<std::string>(nd["window"], where + "window", "a duration such as 24h"));
          SITO_ASSIGN_OR_RETURN(n.window_ms, parse_duration_ms(w, where + "window"));
          if (n.window_ms <= 0 || n.window_ms > int64_t{366} * 86'400'000)
            return invalid_argument(where + "window must be more than 0 and at most 366d, not '" + w + "'");
        }
        if (nd["threshold"]) {
          SITO_ASSIGN_OR_RETURN(n.threshold, scalar_as<double>(nd["threshold"], where + "threshold", "a number in (0, 1]"));
          if (!(n.threshold > 0 && n.threshold <= 1))
            return invalid_argument(where + "threshold must be above 0 and at most 1 (an estimated Jaccard similarity), not " +
                                    nd["threshold"].Scalar());
        }
        if (nd["max_posts"]) {
          SITO_ASSIGN_OR_RETURN(const int64_t m, scalar_as<int64_t>(nd["max_posts"], where + "max_posts", "a whole number"));
          if (m < 1 || m > 100'000'000)
            return invalid_argument(where + "max_posts must be 1..100000000 (about 1.25 KiB of memory each), not " +
                                    nd["max_posts"].Scalar());
          n.max_posts = static_cast<uint64_t>(m);
        }
      }
    }
    if (const YAML::Node a = root["alerts"]) {
      SITO_RETURN_IF_ERROR(
          check_known_keys(a, {"z", "min_ratio", "min_count", "warmup_minutes", "cooldown_minutes"}, origin, "alerts"));
      if (a["z"]) c.alerts.z = a["z"].as<double>();
      if (a["min_ratio"]) c.alerts.min_ratio = a["min_ratio"].as<double>();
      if (a["min_count"]) c.alerts.min_count = a["min_count"].as<uint64_t>();
      if (a["warmup_minutes"]) c.alerts.warmup_minutes = a["warmup_minutes"].as<int>();
      if (a["cooldown_minutes"]) c.alerts.cooldown_minutes = a["cooldown_minutes"].as<int>();
    }
    if (const YAML::Node ts = root["tenants"]) {
      if (!ts.IsSequence()) return invalid_argument(origin + ": 'tenants' must be a list");
      for (size_t i = 0; i < ts.size(); ++i) {
        const YAML::Node t = ts[i];
        const std::string where = origin + ": tenants[" + std::to_string(i) + "]";
        tenant_config tc;
        SITO_RETURN_IF_ERROR(
            check_known_keys(t, {"name", "topics_file", "sentiment_lexicon_file", "ocr", "tokens", "ingest_posts_per_second",
                                 "ingest_burst_posts", "time_zone", "topic_groups", "campaign", "connectors"},
                             origin, "tenants[" + std::to_string(i) + "]"));
        if (!t["name"] || t["name"].as<std::string>().empty()) return invalid_argument(where + ": missing 'name'");
        tc.name = t["name"].as<std::string>();
        if (t["topics_file"]) tc.topics_file = t["topics_file"].as<std::string>();
        if (t["sentiment_lexicon_file"]) tc.sentiment_lexicon_file = t["sentiment_lexicon_file"].as<std::string>();
        if (t["ocr"]) tc.ocr = t["ocr"].as<bool>();
        if (const YAML::Node g = t["topic_groups"]) {
          if (!g.IsMap()) return invalid_argument(where + ": topic_groups: expected {NAME: [topic id, ...]}");
          for (const auto& kv : g) {
            const std::string name = kv.first.as<std::string>();
            if (!kv.second.IsSequence() || kv.second.size() == 0)
              return invalid_argument(where + ": topic_groups: '" + name + "' must be a non-empty list of topic ids");
            for (const auto& id : kv.second) tc.topic_groups[name].push_back(id.as<std::string>());
          }
        }
        if (const YAML::Node cm = t["campaign"]) {
          campaign_config& cc = tc.campaign;
          if (cm.IsScalar() && (cm.Scalar() == "off" || cm.Scalar() == "false")) {
            cc.enabled = false;
          } else {
            if (!cm.IsMap()) return invalid_argument(where + ": campaign: expected {min_authors: 5, minutes: 60} or off");
            SITO_RETURN_IF_ERROR(check_known_keys(cm, {"enabled", "min_authors", "minutes"}, origin,
                                                  "tenants[" + std::to_string(i) + "].campaign"));
            if (cm["enabled"]) {
              SITO_ASSIGN_OR_RETURN(cc.enabled, scalar_as<bool>(cm["enabled"], where + ": campaign: enabled", "true or false"));
            }
            if (cm["min_authors"]) {
              SITO_ASSIGN_OR_RETURN(const int64_t n, scalar_as<int64_t>(cm["min_authors"], where + ": campaign: min_authors",
                                                                        "a whole number"));
              if (n < 2 || n > 100'000)
                return invalid_argument(where + ": campaign: min_authors must be 2..100000 (distinct authors), not " +
                                        cm["min_authors"].Scalar());
              cc.min_authors = static_cast<uint32_t>(n);
            }
            if (cm["minutes"]) {
              SITO_ASSIGN_OR_RETURN(const int64_t n, scalar_as<int64_t>(cm["minutes"], where + ": campaign: minutes",
                                                                        "a whole number of minutes"));
              if (n < 1 || n > 10'080)
                return invalid_argument(where + ": campaign: minutes must be 1..10080 (a week), not " + cm["minutes"].Scalar());
              cc.minutes = static_cast<uint32_t>(n);
            }
          }
        }
        if (const YAML::Node cs = t["connectors"]) {
          const std::string key = "tenants[" + std::to_string(i) + "].connectors";
          if (!cs.IsSequence()) return invalid_argument(origin + ": " + key + ": expected a list of connectors");
          for (size_t k = 0; k < cs.size(); ++k) {
            const std::string entry = key + "[" + std::to_string(k) + "]";
            SITO_ASSIGN_OR_RETURN(connector_config cc, parse_connector(cs[k], origin, entry));
            for (const auto& other : tc.connectors)
              if (other.name == cc.name)
                return invalid_argument(origin + ": " + entry + ".name: '" + cc.name + "' is already the name of another connector of the tenant");
            tc.connectors.push_back(std::move(cc));
          }
        }
        if (t["time_zone"]) {
          tc.time_zone = t["time_zone"].as<std::string>();
          if (status zs = check_time_zone(tc.time_zone); !zs.ok()) return invalid_argument(where + ": time_zone: " + zs.message());
        }
        if (t["ingest_posts_per_second"]) tc.ingest_posts_per_second = t["ingest_posts_per_second"].as<uint32_t>();
        if (t["ingest_burst_posts"]) {
          tc.ingest_burst_posts = t["ingest_burst_posts"].as<uint32_t>();
          if (tc.ingest_burst_posts == 0) return invalid_argument(where + ": 'ingest_burst_posts' must be at least 1");
        }
        if (const YAML::Node toks = t["tokens"]) {
          for (size_t k = 0; k < toks.size(); ++k) {
            token_entry te;
            const std::string tw = where + ": tokens[" + std::to_string(k) + "]";
            SITO_RETURN_IF_ERROR(check_known_keys(toks[k], {"sha256", "role"}, origin,
                                            "tenants[" + std::to_string(i) + "].tokens[" + std::to_string(k) + "]"));
            if (!toks[k]["sha256"]) return invalid_argument(tw + ": missing 'sha256' (tokens are stored hashed)");
            te.sha256_hex = toks[k]["sha256"].as<std::string>();
            if (te.sha256_hex.size() != 64) return invalid_argument(tw + ": 'sha256' must be 64 hex digits");
            for (char& ch : te.sha256_hex) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            const std::string r = toks[k]["role"] ? toks[k]["role"].as<std::string>() : "";
            if (r == "producer") te.granted = role::producer;
            else if (r == "subscriber") te.granted = role::subscriber;
            else if (r == "admin") te.granted = role::admin;
            else return invalid_argument(tw + ": 'role' must be producer, subscriber or admin");
            tc.tokens.push_back(std::move(te));
          }
        }
        c.tenants.push_back(std::move(tc));
      }
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports by exception; config loading turns it into a status.
    return invalid_argument(origin + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return c;
}

result<server_config> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

}  // namespace sito::server
