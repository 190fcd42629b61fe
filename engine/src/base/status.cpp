#include "sito/base/status.hpp"

namespace sito {

std::string_view to_string(status_code code) {
  switch (code) {
    case status_code::ok: return "ok";
    case status_code::invalid_argument: return "invalid_argument";
    case status_code::out_of_range: return "out_of_range";
    case status_code::not_found: return "not_found";
    case status_code::failed_precondition: return "failed_precondition";
    case status_code::resource_exhausted: return "resource_exhausted";
    case status_code::internal: return "internal";
    case status_code::unavailable: return "unavailable";
  }
  return "unknown";
}

std::string status::to_string() const {
  if (ok()) return "ok";
  std::string out(sito::to_string(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace sito
