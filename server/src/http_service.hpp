// Private: sitod's HTTP port, on Boost.Beast. The transport
// (http_listener.cpp) parses requests within limits (header and body bytes,
// a deadline per request, keep-alive with an idle deadline, a cap on open
// connections) and answers what does not parse; the routes (http_routes.cpp)
// say what each path serves, to which methods and to whom.
#pragma once

#include <boost/beast/http.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sito/server/config.hpp"
#include "sito/server/server.hpp"

namespace sito::server {

namespace http = boost::beast::http;
using http_request = http::request<http::string_body>;

/// An answer to one request. Content-Length, Server, Date and Connection are
/// the transport's.
struct http_reply {
  http::status status = http::status::ok;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra ones (Allow, WWW-Authenticate, ...)
  bool close = false;  ///< close the connection after this answer
};

/// `{"error": message}` with the status; what every route answers on failure.
http_reply http_error(http::status status, const std::string& message);
http_reply http_json(std::string body, http::status status = http::status::ok);
/// 405 with `Allow: allow` ("GET, HEAD", "POST", ...).
http_reply http_method_not_allowed(const char* allow);
/// GET or HEAD (HEAD answers what GET would, without the body).
inline bool http_is_get(const http_request& req) {
  return req.method() == http::verb::get || req.method() == http::verb::head;
}

/// Called once per request, from any thread.
using http_responder = std::function<void(http_reply)>;

/// Answers one parsed request (http_routes.cpp); `respond` may be called
/// later, from another thread (work that compiles or reads the store).
void serve_http(sitod::impl& server, const http_request& req, const http_responder& respond);

/// True when the request carries a valid admin token (Authorization:
/// Bearer): `tenant` is its tenant. Otherwise answers 401 (no token, an
/// unknown one) or 403 (another role) and returns false.
bool http_admin(sitod::impl& server, const http_request& req, std::string& tenant, const http_responder& respond);

/// The playground's page and API (playground.cpp); false when `path` is
/// neither, so the caller answers 404.
bool serve_playground(sitod::impl& server, const http_request& req, std::string_view path,
                      const http_responder& respond);

/// config http.playground: on, off, or auto (on when HTTP listens on loopback).
bool playground_enabled(const server_config& config);

}  // namespace sito::server
