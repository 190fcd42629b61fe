// Tests of diagnostic positions and formatting.
#include <gtest/gtest.h>

#include <string>

#include "sito/query/diagnostic.hpp"
#include "sito/query/parser.hpp"

namespace sito::query {
namespace {

diagnostic at(uint32_t offset, std::string message = "m", std::string hint = {}) {
  diagnostic d;
  d.offset = offset;
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

TEST(Diagnostic, LocateCountsLinesAndCodePoints) {
  const std::string src = "ab\nдоставка x\n";
  diagnostic d = at(3);
  locate(src, d);
  EXPECT_EQ(d.line, 2u);
  EXPECT_EQ(d.column, 1u);
  d = at(3 + 16 + 1);  // the `x`
  locate(src, d);
  EXPECT_EQ(d.line, 2u);
  EXPECT_EQ(d.column, 10u);
  d = at(0);
  locate(src, d);
  EXPECT_EQ(d.line, 1u);
  EXPECT_EQ(d.column, 1u);
  d = at(2);  // the newline itself belongs to line 1
  locate(src, d);
  EXPECT_EQ(d.line, 1u);
  EXPECT_EQ(d.column, 3u);
  d = at(1000);  // past the end: clamped
  locate(src, d);
  EXPECT_EQ(d.line, 3u);
  EXPECT_EQ(d.column, 1u);
}

TEST(Diagnostic, LocateCountsEmojiAsOneColumn) {
  const std::string src = "😡 NEAR b";
  diagnostic d = at(5);
  locate(src, d);
  EXPECT_EQ(d.column, 3u);
}

TEST(Diagnostic, FormatOneLine) {
  diagnostic d = at(10, "unbalanced ')'", "remove it");
  d.line = 3;
  d.column = 14;
  EXPECT_EQ(format_one_line(d), "3:14: error: unbalanced ')' (hint: remove it)");
  d.hint.clear();
  d.level = severity::warning;
  EXPECT_EQ(format_one_line(d), "3:14: warning: unbalanced ')'");
}

TEST(Diagnostic, CaretUnderMultiByteColumn) {
  const std::string src = "доставка NEAR цветы";
  auto r = parse(src);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  const diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.offset, 17u);
  EXPECT_EQ(d.column, 10u);
  EXPECT_EQ(format_with_caret(src, d),
            "доставка NEAR цветы\n"
            "         ^\n"
            "error: NEAR needs a distance, e.g. NEAR/5\n"
            "hint: " + d.hint + "\n");
}

TEST(Diagnostic, CaretOnLaterLineKeepsTabs) {
  const std::string src = "a OR\n\tb)\nc";
  auto r = parse(src);
  ASSERT_FALSE(r.ok());
  const diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.line, 2u);
  EXPECT_EQ(d.column, 3u);
  EXPECT_EQ(format_with_caret(src, d),
            "\tb)\n"
            "\t ^\n"
            "error: unbalanced ')'\n"
            "hint: " + d.hint + "\n");
}

TEST(Diagnostic, CaretWithoutHintAndAtEnd) {
  diagnostic d = at(3, "unexpected end");
  d.level = severity::warning;
  EXPECT_EQ(format_with_caret("abc", d), "abc\n   ^\nwarning: unexpected end\n");
  diagnostic e = at(0, "empty query");
  EXPECT_EQ(format_with_caret("", e), "\n^\nerror: empty query\n");
  diagnostic crlf = at(5, "x");
  EXPECT_EQ(format_with_caret("ab\r\ncd", crlf), "cd\n ^\nerror: x\n");
}

TEST(Diagnostic, ParseLocatesEveryDiagnostic) {
  auto r = parse("x\n  фл* OR цве*");
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].line, 2u);
  EXPECT_EQ(r.diagnostics[0].column, 3u);
  EXPECT_EQ(r.diagnostics[0].level, severity::error);
  EXPECT_EQ(r.diagnostics[1].line, 2u);
  EXPECT_EQ(r.diagnostics[1].column, 10u);
  EXPECT_EQ(r.diagnostics[1].level, severity::warning);
}

TEST(Diagnostic, InvalidUtf8ColumnCountsValidPrefix) {
  const std::string src = "цветы \xfe";
  auto r = parse(src);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].offset, 11u);
  EXPECT_EQ(r.diagnostics[0].column, 7u);
}

}  // namespace
}  // namespace sito::query
