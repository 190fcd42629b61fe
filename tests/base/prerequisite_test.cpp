// tests/support/prerequisite.hpp: a missing prerequisite skips a test on a
// developer's machine and fails it under CI.
#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>

#include <cstdlib>
#include <string>

#include "support/prerequisite.hpp"

namespace {

/// Sets CI for one scope and puts back what was there.
class ci_env {
 public:
  explicit ci_env(const char* value) {
    if (const char* old = std::getenv("CI")) saved_ = old, had_ = true;
    if (value) setenv("CI", value, 1);
    else unsetenv("CI");
  }
  ~ci_env() {
    if (had_) setenv("CI", saved_.c_str(), 1);
    else unsetenv("CI");
  }

 private:
  std::string saved_;
  bool had_ = false;
};

void require_missing() { SITO_REQUIRE(false, "the widget package is not installed"); }

using sito::testing::on_prerequisite;
using sito::testing::prerequisite_action;

TEST(Prerequisite, UnderCiAMissingOneFailsTheTest) {
  ci_env ci("true");
  EXPECT_TRUE(sito::testing::under_ci());
  EXPECT_EQ(on_prerequisite(false), prerequisite_action::fail);
  EXPECT_EQ(on_prerequisite(true), prerequisite_action::run);
  EXPECT_FATAL_FAILURE(require_missing(), "the widget package is not installed (CI=true");
}

TEST(Prerequisite, OutsideCiAMissingOneSkipsTheTest) {
  {
    ci_env ci(nullptr);
    EXPECT_FALSE(sito::testing::under_ci());
    EXPECT_EQ(on_prerequisite(false), prerequisite_action::skip);
    EXPECT_EQ(on_prerequisite(true), prerequisite_action::run);
  }
  ci_env ci("false");
  EXPECT_EQ(on_prerequisite(false), prerequisite_action::skip);
}

}  // namespace
