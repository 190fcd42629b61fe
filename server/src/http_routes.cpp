// What sitod's HTTP port serves (the transport is http_listener.cpp):
//   GET  /health     {"status":"ok"|"unhealthy",...}; 503 while the store cannot write
//   GET  /metrics    the Prometheus text (metrics.cpp)
//   the query playground and its API (playground.cpp), when http.playground is on.
// A path that exists answers a method it does not take with 405 and Allow;
// one that needs a token answers 401 without one (WWW-Authenticate: Bearer)
// and 403 when the token's role is not admin; any other path 404.
#include <nlohmann/json.hpp>

#include <string_view>

#include "http_service.hpp"
#include "server_impl.hpp"

namespace sito::server {

http_reply http_error(http::status status, const std::string& message) {
  nlohmann::json j{{"error", message}};
  return http_json(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

http_reply http_method_not_allowed(const char* allow) {
  http_reply r = http_error(http::status::method_not_allowed, std::string("this path takes ") + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

namespace {

http_reply health_reply(sitod::impl& s) {
  // Unhealthy (503) while the store cannot write: ingest is refused and
  // matching waits (store.hpp, "Disk full").
  // In Kafka mode also while the node is not an active member of its group
  // (joining, rebalancing, failed): "kafka" says where it stands.
  const store_health h = s.db->health();
  const bool kafka_ok = !s.kafka || s.kafka->healthy();
  nlohmann::json j{{"status", h.ok && kafka_ok ? "ok" : "unhealthy"}, {"snapshot_version", s.metrics.snapshot_version.load()}};
  if (!h.ok) {
    j["reason"] = h.reason;
    j["since_ms"] = h.since_ms;
  } else if (!kafka_ok) {
    j["reason"] = std::string("kafka group: ") + kafka::to_string(s.kafka->state());
  }
  if (s.kafka) j["kafka"] = nlohmann::json::parse(s.kafka->health_json());
  return http_json(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                   h.ok && kafka_ok ? http::status::ok : http::status::service_unavailable);
}

}  // namespace

bool http_admin(sitod::impl& s, const http_request& req, std::string& tenant, const http_responder& respond) {
  http_reply refusal;
  const auto auth = req.find(http::field::authorization);
  std::string_view value = auth == req.end() ? std::string_view() : std::string_view(auth->value().data(), auth->value().size());
  constexpr std::string_view bearer = "Bearer ";
  if (value.size() <= bearer.size() || value.substr(0, bearer.size()) != bearer) {
    refusal = http_error(http::status::unauthorized, "this path needs an admin token: Authorization: Bearer <token>");
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sitod\"");
    respond(std::move(refusal));
    return false;
  }
  auto who = s.principal_of(sha256_hex(std::string(value.substr(bearer.size()))));
  if (!who) {
    refusal = http_error(http::status::unauthorized, "unknown or expired token");
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sitod\", error=\"invalid_token\"");
    respond(std::move(refusal));
    return false;
  }
  if (who->granted != role::admin) {
    respond(http_error(http::status::forbidden, "this path needs a token with the admin role"));
    return false;
  }
  tenant = who->tenant;
  return true;
}

void serve_http(sitod::impl& s, const http_request& req, const http_responder& respond) {
  std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = http_is_get(req);
  if (path == "/health") return respond(get ? health_reply(s) : http_method_not_allowed("GET, HEAD"));
  if (path == "/metrics") {
    if (!get) return respond(http_method_not_allowed("GET, HEAD"));
    http_reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = s.metrics_text();
    return respond(std::move(r));
  }
  if (serve_playground(s, req, path, respond)) return;
  respond(http_error(http::status::not_found, "no such path: " + std::string(path)));
}

}  // namespace sito::server
