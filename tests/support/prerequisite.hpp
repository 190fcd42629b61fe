// File: tests/support/prerequisite.hpp
//
// A test that needs something outside the code (a Debian package:
// ImageMagick's convert, the openssl binary, fortunes-ru) skips itself on a
// developer's machine that lacks it, and says what to install. Under CI
// (CI=true, which .ci/run sets; ops/setup has installed every package) a
// missing prerequisite fails the test instead: a skipped check is not a
// passed check. Only the gpu tests may skip under CI, for want of a device.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace sito::testing {

inline bool under_ci() {
  const char* v = std::getenv("CI");
  return v != nullptr && (std::string_view(v) == "true" || std::string_view(v) == "1");
}

enum class prerequisite_action { run, skip, fail };

/// What a test does about a prerequisite that is `present` or not.
inline prerequisite_action on_prerequisite(bool present) {
  if (present) return prerequisite_action::run;
  return under_ci() ? prerequisite_action::fail : prerequisite_action::skip;
}

}  // namespace sito::testing

/// Skips (or, under CI, fails) the current test when `present` is false;
/// `what` says what is missing. Use in a test body or SetUp().
#define SITO_REQUIRE(present, what)                                                                \
  do {                                                                                              \
    switch (::sito::testing::on_prerequisite(present)) {                                            \
      case ::sito::testing::prerequisite_action::run: break;                                        \
      case ::sito::testing::prerequisite_action::fail:                                              \
        GTEST_FAIL() << what << " (CI=true: ops/setup installs it, so its absence is a failure)";    \
      case ::sito::testing::prerequisite_action::skip: GTEST_SKIP() << what;                        \
    }                                                                                               \
  } while (0)
