// sitod's protocol listener: the TLS context (TLS 1.2 and later, errors
// that name the file and OpenSSL's reason, never the key) and the accept
// loop, which refuses a connection beyond limits.max_connections before
// reading a byte and hands the others to a session (session.cpp).
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server_impl.hpp"

namespace sito::server {

namespace {

/// A file's readability, with the OS's reason when it is not.
status check_readable(const std::string& path, const std::string& what) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return invalid_argument("tls: cannot read the " + what + " '" + path + "': " + std::strerror(errno));
  std::fclose(f);
  return ok_status();
}

}  // namespace

/// Loads the listener's certificate chain and key into `ctx`: TLS 1.2 and
/// later only. Messages name the file and OpenSSL's reason, never the key.
status configure_listener_tls(net::ssl::context& ctx, const tls_config& tls) {
  SITO_RETURN_IF_ERROR(check_readable(tls.cert_file, "certificate"));
  SITO_RETURN_IF_ERROR(check_readable(tls.key_file, "private key"));
  boost::system::error_code ec;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                      net::ssl::context::single_dh_use,
                  ec);
  if (ec) return internal_error("tls: cannot set options: " + ec.message());
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
    return internal_error("tls: cannot require TLS 1.2 or later");
  // An encrypted key would make OpenSSL prompt on the terminal; fail instead.
  ctx.set_password_callback([](std::size_t, net::ssl::context::password_purpose) { return std::string(); }, ec);
  ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return invalid_argument("tls: '" + tls.cert_file + "' is not a usable PEM certificate chain: " + ec.message());
  const std::string mismatch =
      "tls: the private key '" + tls.key_file + "' does not match the certificate '" + tls.cert_file + "'";
  ctx.use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
  if (ec && ec.category() == net::error::get_ssl_category() &&
      ERR_GET_LIB(static_cast<unsigned long>(ec.value())) == ERR_LIB_X509 &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
    return invalid_argument(mismatch);
  if (ec)
    return invalid_argument("tls: '" + tls.key_file + "' is not a usable PEM private key (encrypted keys are not supported): " +
                            ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) return invalid_argument(mismatch);
  return ok_status();
}

void sitod::impl::accept() {
  acceptor->async_accept(io, [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed on stop
    {
      std::lock_guard lock(sessions_mutex);
      if (sessions.size() >= config.max_connections) {
        // Full: closed at once, before any byte is read (limits.max_connections).
        ++metrics.refused_max_connections;
        boost::system::error_code ignored;
        socket.close(ignored);
        accept();
        return;
      }
    }
    auto s = std::make_shared<session>(*this, std::move(socket));
    {
      std::lock_guard lock(sessions_mutex);
      sessions.insert(s);
    }
    ++metrics.sessions_open;
    s->start();
    accept();
  });
}

}  // namespace sito::server
