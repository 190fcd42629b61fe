// File: tests/support/http_get.hpp
//
// sitod's HTTP side as tests and the soak read it: one GET over loopback
// (the whole response, status line and headers included) and one series of
// the Prometheus text.
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace sito::testing {

/// `GET path` on 127.0.0.1:port; the whole response, or "" when nothing listens.
inline std::string http_get(uint16_t port, const std::string& path) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  boost::system::error_code ec;
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  boost::asio::write(sock, boost::asio::buffer(req), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    size_t n = sock.read_some(boost::asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

/// The value of one exposition line that starts with `series` (name plus
/// labels, exactly as printed), or -1 when there is none.
inline double metric_value(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1.0 : std::strtod(text.c_str() + at + series.size() + 2, nullptr);
}

}  // namespace sito::testing
