// Tests of sito::status, sito::result<T>, to_string and the
// SITO_RETURN_IF_ERROR / SITO_ASSIGN_OR_RETURN macros.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sito/base/status.hpp"

namespace sito {
namespace {

TEST(Status, DefaultIsOk) {
  status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), status_code::ok);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, OkStatusIsOk) {
  status s = ok_status();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, ConstructorKeepsCodeAndMessage) {
  status s(status_code::failed_precondition, "scanner not started");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), status_code::failed_precondition);
  EXPECT_EQ(s.message(), "scanner not started");
  EXPECT_EQ(s.to_string(), "failed_precondition: scanner not started");
}

TEST(Status, HelpersSetTheirCodes) {
  EXPECT_EQ(invalid_argument("a").code(), status_code::invalid_argument);
  EXPECT_EQ(out_of_range("a").code(), status_code::out_of_range);
  EXPECT_EQ(not_found("a").code(), status_code::not_found);
  EXPECT_EQ(internal_error("a").code(), status_code::internal);
  EXPECT_EQ(unavailable("a").code(), status_code::unavailable);
  EXPECT_EQ(resource_exhausted("a").code(), status_code::resource_exhausted);
  EXPECT_EQ(invalid_argument("bad query").message(), "bad query");
}

TEST(Status, ToStringPrefixesTheCodeName) {
  EXPECT_EQ(invalid_argument("invalid UTF-8 at byte 3").to_string(),
            "invalid_argument: invalid UTF-8 at byte 3");
  EXPECT_EQ(out_of_range("too big").to_string(), "out_of_range: too big");
  EXPECT_EQ(not_found("x").to_string(), "not_found: x");
  EXPECT_EQ(internal_error("x").to_string(), "internal: x");
  EXPECT_EQ(unavailable("x").to_string(), "unavailable: x");
  EXPECT_EQ(resource_exhausted("x").to_string(), "resource_exhausted: x");
}

TEST(Status, NonOkWithEmptyMessageStillNamesTheCode) {
  status s(status_code::internal, "");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.to_string(), "internal: ");
}

TEST(StatusCode, ToStringNamesEveryCode) {
  EXPECT_EQ(to_string(status_code::ok), "ok");
  EXPECT_EQ(to_string(status_code::invalid_argument), "invalid_argument");
  EXPECT_EQ(to_string(status_code::out_of_range), "out_of_range");
  EXPECT_EQ(to_string(status_code::not_found), "not_found");
  EXPECT_EQ(to_string(status_code::failed_precondition), "failed_precondition");
  EXPECT_EQ(to_string(status_code::resource_exhausted), "resource_exhausted");
  EXPECT_EQ(to_string(status_code::internal), "internal");
  EXPECT_EQ(to_string(status_code::unavailable), "unavailable");
}

TEST(StatusCode, UnknownValueIsUnknown) {
  EXPECT_EQ(to_string(static_cast<status_code>(99)), "unknown");
}

TEST(Status, CopiesAreIndependent) {
  status a = invalid_argument("first");
  status b = a;
  b = not_found("second");
  EXPECT_EQ(a.code(), status_code::invalid_argument);
  EXPECT_EQ(a.message(), "first");
  EXPECT_EQ(b.code(), status_code::not_found);
  EXPECT_EQ(b.message(), "second");
}

TEST(Result, HoldsValue) {
  result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.value(), 42);
  *r = 7;
  EXPECT_EQ(r.value(), 7);
}

TEST(Result, HoldsError) {
  result<int> r = not_found("topic 'x'");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::not_found);
  EXPECT_EQ(r.error().message(), "topic 'x'");
}

TEST(Result, ArrowReachesMembers) {
  result<std::string> r = std::string("hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 5u);
  const result<std::string>& cr = r;
  EXPECT_EQ(cr->substr(1, 3), "ell");
  EXPECT_EQ(*cr, "hello");
}

TEST(Result, RvalueValueMovesOut) {
  result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

TEST(Result, StringResultFromStatusIsError) {
  // result<std::string> must not confuse a status with a string value.
  result<std::string> r = invalid_argument("nope");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "nope");
}

// --- macros ---

status fail_if(bool fail, const char* msg) {
  return fail ? invalid_argument(msg) : ok_status();
}

int g_steps = 0;

status two_steps(bool fail_first, bool fail_second) {
  g_steps = 0;
  SITO_RETURN_IF_ERROR(fail_if(fail_first, "first"));
  ++g_steps;
  SITO_RETURN_IF_ERROR(fail_if(fail_second, "second"));
  ++g_steps;
  return ok_status();
}

TEST(StatusMacros, ReturnIfErrorPassesOkThrough) {
  EXPECT_TRUE(two_steps(false, false).ok());
  EXPECT_EQ(g_steps, 2);
}

TEST(StatusMacros, ReturnIfErrorReturnsFirstError) {
  status s = two_steps(true, true);
  EXPECT_EQ(s.message(), "first");
  EXPECT_EQ(g_steps, 0);
  s = two_steps(false, true);
  EXPECT_EQ(s.code(), status_code::invalid_argument);
  EXPECT_EQ(s.message(), "second");
  EXPECT_EQ(g_steps, 1);
}

int g_evaluations = 0;
status counted(status s) {
  ++g_evaluations;
  return s;
}

TEST(StatusMacros, ReturnIfErrorEvaluatesExpressionOnce) {
  g_evaluations = 0;
  auto f = []() -> status {
    SITO_RETURN_IF_ERROR(counted(ok_status()));
    SITO_RETURN_IF_ERROR(counted(not_found("x")));
    return ok_status();
  };
  status s = f();
  EXPECT_EQ(s.code(), status_code::not_found);
  EXPECT_EQ(g_evaluations, 2);
}

TEST(StatusMacros, ReturnIfErrorWorksInResultFunction) {
  auto f = [](bool fail) -> result<int> {
    SITO_RETURN_IF_ERROR(fail_if(fail, "bad"));
    return 3;
  };
  auto good = f(false);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = f(true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "bad");
}

TEST(StatusMacros, ReturnIfErrorIsOneStatementInIfElse) {
  // The do/while(0) wrapper lets the macro stand as the body of an if.
  auto f = [](bool cond) -> status {
    if (cond)
      SITO_RETURN_IF_ERROR(invalid_argument("taken"));
    else
      return not_found("else branch");
    return ok_status();
  };
  EXPECT_EQ(f(true).message(), "taken");
  EXPECT_EQ(f(false).message(), "else branch");
}

result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return invalid_argument(std::string("not a digit: ") + c);
  return c - '0';
}

result<int> sum_two(char a, char b) {
  SITO_ASSIGN_OR_RETURN(int x, parse_digit(a));
  SITO_ASSIGN_OR_RETURN(int y, parse_digit(b));  // two on adjacent lines: unique names
  return x + y;
}

TEST(StatusMacros, AssignOrReturnAssignsValues) {
  auto r = sum_two('3', '4');
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
}

TEST(StatusMacros, AssignOrReturnPropagatesError) {
  auto r = sum_two('3', 'x');
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  EXPECT_EQ(r.error().message(), "not a digit: x");
  auto r2 = sum_two('?', 'x');
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().message(), "not a digit: ?");
}

status assign_existing(int& out, char c) {
  SITO_ASSIGN_OR_RETURN(out, parse_digit(c));
  return ok_status();
}

TEST(StatusMacros, AssignOrReturnToExistingVariableAndStatusReturn) {
  int v = -1;
  EXPECT_TRUE(assign_existing(v, '8').ok());
  EXPECT_EQ(v, 8);
  status s = assign_existing(v, 'z');
  EXPECT_EQ(s.code(), status_code::invalid_argument);
  EXPECT_EQ(v, 8);  // untouched on error
}

result<std::unique_ptr<int>> make_ptr(int v) { return std::make_unique<int>(v); }

result<int> deref_move_only() {
  SITO_ASSIGN_OR_RETURN(std::unique_ptr<int> p, make_ptr(11));
  return *p;
}

TEST(StatusMacros, AssignOrReturnMovesMoveOnlyValues) {
  auto r = deref_move_only();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 11);
}

}  // namespace
}  // namespace sito
