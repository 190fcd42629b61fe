// libFuzzer: sitod's HTTP port end to end (server/src/http_listener.cpp,
// http_routes.cpp, playground.cpp). One in-process sitod with the playground
// on and an admin token; each input is written to a fresh connection as it
// is, the write side is closed, and the answer is read to the end. Any bytes
// give HTTP/1.x answers (one per request that parsed, then at most one error
// answer) or a closed connection; never a crash, a sanitizer report or a
// hang (libFuzzer's -timeout). The seeds (tests/fuzz/corpus/http_request)
// carry the admin token, so mutations reach the playground API: validate,
// try (a topic compiled and explained over posts), topics, recent posts.
#include <boost/asio.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "sito/server/config.hpp"
#include "sito/server/server.hpp"

namespace {

namespace asio = boost::asio;

sito::server::sitod& server() {
  static std::unique_ptr<sito::server::sitod> s = [] {
    sito::server::server_config c;
    c.listen_port = 0;
    c.http_port = 0;
    c.http.playground = "on";
    c.http.request_timeout_seconds = 2;
    c.http.keep_alive_seconds = 2;
    const auto dir = std::filesystem::temp_directory_path() / ("sito-fuzz-http-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    c.data_dir = dir.string();
    c.tenants.push_back({"acme", {{sito::server::sha256_hex("fuzz-admin"), sito::server::role::admin}}, ""});
    auto made = sito::server::sitod::create(c);
    if (!made.ok() || !(*made)->start().ok()) std::abort();
    return std::move(*made);
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  const uint16_t port = server().http_port();
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) __builtin_trap();  // sitod stopped listening
  asio::write(socket, asio::buffer(data, size), ec);
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  std::string answer;
  char buf[8192];
  for (;;) {
    const size_t n = socket.read_some(asio::buffer(buf), ec);
    answer.append(buf, n);
    if (ec) break;
  }
  // Whatever came back is HTTP: every answer starts with a status line.
  if (!answer.empty() && answer.rfind("HTTP/1.", 0) != 0) __builtin_trap();
  return 0;
}
