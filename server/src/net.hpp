// Private: the Asio names sitod and the client use, in one place.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace sito {

namespace net = boost::asio;  // net::io_context, net::post, net::ssl, ...
using tcp = net::ip::tcp;
using tls_stream = net::ssl::stream<tcp::socket>;

}  // namespace sito
