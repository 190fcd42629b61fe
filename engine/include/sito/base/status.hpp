// File: sito/base/status.hpp
//
// Errors are values in the engine: functions that can fail return `status`
// or `result<T>`, never throw. A status carries a code and a human message
// that says what went wrong and where; callers add context as it travels up.
//
//   sito::result<int> parse_port(std::string_view s);
//   auto port = parse_port(text);
//   if (!port.ok()) return port.error();
//   use(*port);
//
// Thread-safety: plain values; copies are independent.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sito {

enum class status_code {
  ok = 0,            ///< success
  invalid_argument,  ///< the caller's input is malformed (bad query, bad UTF-8, ...)
  out_of_range,      ///< a size or value exceeds a configured limit
  not_found,         ///< a named thing (topic, file, dictionary) does not exist
  failed_precondition,  ///< the call came in the wrong state or order
  resource_exhausted,   ///< memory, queue or other capacity is used up
  internal,          ///< a bug or a library failure we did not expect
  unavailable,       ///< a dependency (file system, device) cannot be reached now
};

std::string_view to_string(status_code code);

class [[nodiscard]] status {
 public:
  status() = default;
  status(status_code code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] bool ok() const { return code_ == status_code::ok; }
  status_code code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "invalid_argument: <message>", or "ok".
  std::string to_string() const;

 private:
  status_code code_ = status_code::ok;
  std::string message_;
};

inline status ok_status() { return {}; }
inline status invalid_argument(std::string m) { return {status_code::invalid_argument, std::move(m)}; }
inline status out_of_range(std::string m) { return {status_code::out_of_range, std::move(m)}; }
inline status not_found(std::string m) { return {status_code::not_found, std::move(m)}; }
inline status internal_error(std::string m) { return {status_code::internal, std::move(m)}; }
inline status unavailable(std::string m) { return {status_code::unavailable, std::move(m)}; }
inline status resource_exhausted(std::string m) { return {status_code::resource_exhausted, std::move(m)}; }

/// A value or the status that explains why there is none.
template <typename T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  result(status error) : v_(std::move(error)) { assert(!std::get<status>(v_).ok()); }  // NOLINT

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  /// Precondition: !ok().
  const status& error() const { return std::get<status>(v_); }
  /// Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, status> v_;
};

}  // namespace sito

#define SITO_CONCAT_INNER(a, b) a##b
#define SITO_CONCAT(a, b) SITO_CONCAT_INNER(a, b)

/// Returns from the enclosing function when `expr` (a status) is not ok.
#define SITO_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::sito::status sito_status_ = (expr);     \
    if (!sito_status_.ok()) return sito_status_; \
  } while (0)

/// `SITO_ASSIGN_OR_RETURN(auto x, make_x());`
#define SITO_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto SITO_CONCAT(sito_result_, __LINE__) = (expr);                       \
  if (!SITO_CONCAT(sito_result_, __LINE__).ok())                           \
    return SITO_CONCAT(sito_result_, __LINE__).error();                    \
  lhs = std::move(SITO_CONCAT(sito_result_, __LINE__)).value()
