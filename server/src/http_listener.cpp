// sitod's HTTP side: /metrics (the text is metrics.cpp's) and /health, on
// their own listener (config `http`), one request per connection.
#include <sstream>

#include "server_impl.hpp"
#include "text_escape.hpp"

namespace sito::server {

void sitod::impl::accept_http() {
  http_acceptor->async_accept(io, [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;
    auto sock = std::make_shared<tcp::socket>(std::move(socket));
    auto buf = std::make_shared<std::string>();
    buf->resize(4096);
    sock->async_read_some(net::buffer(*buf), [this, sock, buf](const boost::system::error_code& rec, size_t n) {
      if (rec) return;
      const std::string request = buf->substr(0, n);
      std::string body, status_line = "200 OK", type = "text/plain; version=0.0.4";
      if (request.rfind("GET /metrics", 0) == 0) {
        body = metrics_text();
      } else if (request.rfind("GET /health", 0) == 0) {
        // Unhealthy (503) while the store cannot write: ingest is refused
        // and matching waits (store.hpp, "Disk full").
        const store_health h = db->health();
        body = "{\"status\":\"" + std::string(h.ok ? "ok" : "unhealthy") +
               "\",\"snapshot_version\":" + std::to_string(metrics.snapshot_version.load());
        if (!h.ok) {
          status_line = "503 Service Unavailable";
          body += ",\"reason\":\"" + escape_quoted(h.reason) + "\",\"since_ms\":" + std::to_string(h.since_ms);
        }
        body += "}\n";
        type = "application/json";
      } else {
        status_line = "404 Not Found";
        body = "not found\n";
      }
      auto response = std::make_shared<std::string>("HTTP/1.1 " + status_line + "\r\nContent-Type: " + type +
                                                    "\r\nContent-Length: " + std::to_string(body.size()) +
                                                    "\r\nConnection: close\r\n\r\n" + body);
      net::async_write(*sock, net::buffer(*response), [sock, response](const boost::system::error_code&, size_t) {
        boost::system::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
    accept_http();
  });
}

}  // namespace sito::server
