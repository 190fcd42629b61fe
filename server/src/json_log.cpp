#include "sito/server/json_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

namespace sito::server {

struct log_line::fields {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
};

log_line::log_line(std::string_view level, std::string_view msg) : fields_(std::make_unique<fields>()) {
  fields_->object["level"] = std::string(level);
  fields_->object["msg"] = std::string(msg);
}

log_line::~log_line() {
  if (discarded_ || !fields_) return;
  std::string line = text();
  line.push_back('\n');
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: nothing more to do
    done += static_cast<size_t>(n);
  }
}

log_line& log_line::with(std::string_view key, std::string_view value) {
  fields_->object[std::string(key)] = std::string(value);
  return *this;
}
log_line& log_line::with_bool(std::string_view key, bool value) {
  fields_->object[std::string(key)] = value;
  return *this;
}
log_line& log_line::with_int(std::string_view key, int64_t value) {
  fields_->object[std::string(key)] = value;
  return *this;
}
log_line& log_line::with_uint(std::string_view key, uint64_t value) {
  fields_->object[std::string(key)] = value;
  return *this;
}
log_line& log_line::with_double(std::string_view key, double value) {
  fields_->object[std::string(key)] = value;  // NaN and infinities are written as null
  return *this;
}

std::string log_line::text() const {
  // Invalid UTF-8 is replaced (U+FFFD), never thrown on: a log line must not
  // fail because an error message quotes a hostile post.
  return fields_->object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace sito::server
