// sitod's log: one JSON object per line on stderr, {"level":…,"msg":…,…},
// written with one write(2) so that lines from different threads never
// interleave. Every value goes through a JSON encoder (nlohmann::json):
// quotes, backslashes and control characters in an error message or a
// tenant name are escaped, and bytes that are not UTF-8 become U+FFFD, so
// every line parses whatever it carries.
//
//   log_error("bad config").with("error", st.message());
//   log_info("sitod listening").with("port", port).with("tenants", n);
//
// The line is written when the log_line is destroyed: at the end of the
// full expression for a temporary, as above.
//
// Thread-safety: a log_line belongs to one thread; lines may be written from
// any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace sito::server {

class log_line {
 public:
  log_line(std::string_view level, std::string_view msg);
  log_line(const log_line&) = delete;
  log_line& operator=(const log_line&) = delete;
  ~log_line();

  /// Adds "key": value (keys keep the order they are added in).
  log_line& with(std::string_view key, std::string_view value);
  template <class T>
    requires std::is_arithmetic_v<T>
  log_line& with(std::string_view key, T value) {
    if constexpr (std::is_same_v<T, bool>)
      return with_bool(key, value);
    else if constexpr (std::is_floating_point_v<T>)
      return with_double(key, static_cast<double>(value));
    else if constexpr (std::is_signed_v<T>)
      return with_int(key, static_cast<int64_t>(value));
    else
      return with_uint(key, static_cast<uint64_t>(value));
  }

  /// The line as it will be written, without its newline.
  std::string text() const;
  /// Writes nothing when destroyed (a line built only for text()).
  void discard() { discarded_ = true; }

 private:
  log_line& with_bool(std::string_view key, bool value);
  log_line& with_int(std::string_view key, int64_t value);
  log_line& with_uint(std::string_view key, uint64_t value);
  log_line& with_double(std::string_view key, double value);
  struct fields;
  std::unique_ptr<fields> fields_;
  bool discarded_ = false;
};

inline log_line log_info(std::string_view msg) { return log_line("info", msg); }
inline log_line log_warning(std::string_view msg) { return log_line("warning", msg); }
inline log_line log_error(std::string_view msg) { return log_line("error", msg); }

}  // namespace sito::server
