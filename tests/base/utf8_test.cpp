// Tests of sito::utf8: strict RFC 3629 decoding (every corner case), the
// offsets find_invalid reports, count_code_points and append round trips.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sito/base/utf8.hpp"

namespace sito::utf8 {
namespace {

using namespace std::string_literals;

/// Decodes the single sequence `s` from offset 0; expects success consuming
/// all of it.
void expect_decodes(std::string_view s, char32_t want) {
  size_t i = 0;
  char32_t cp = 0;
  ASSERT_TRUE(decode(s, i, cp)) << "bytes of U+" << std::hex << uint32_t(want);
  EXPECT_EQ(cp, want);
  EXPECT_EQ(i, s.size());
}

/// Expects decode() to fail at offset 0 and leave the index there.
void expect_rejects(std::string_view s) {
  size_t i = 0;
  char32_t cp = 0x1234;
  EXPECT_FALSE(decode(s, i, cp));
  EXPECT_EQ(i, 0u);
}

TEST(Utf8Decode, Ascii) {
  expect_decodes("\x00"s, 0);
  expect_decodes("A", 'A');
  expect_decodes("\x7F", 0x7F);
}

TEST(Utf8Decode, BoundariesOfEachLength) {
  expect_decodes("\xC2\x80", 0x80);
  expect_decodes("\xDF\xBF", 0x7FF);
  expect_decodes("\xE0\xA0\x80", 0x800);
  expect_decodes("\xEF\xBF\xBF", 0xFFFF);
  expect_decodes("\xF0\x90\x80\x80", 0x10000);
  expect_decodes("\xF4\x8F\xBF\xBF", 0x10FFFF);  // the maximum code point
}

TEST(Utf8Decode, TypicalCharacters) {
  expect_decodes("я", 0x44F);
  expect_decodes("қ", 0x49B);
  expect_decodes("€", 0x20AC);
  expect_decodes("😡", 0x1F621);
}

TEST(Utf8Decode, AroundSurrogates) {
  expect_decodes("\xED\x9F\xBF", 0xD7FF);
  expect_rejects("\xED\xA0\x80");  // U+D800
  expect_rejects("\xED\xAD\xBF");  // U+DB7F
  expect_rejects("\xED\xB0\x80");  // U+DC00
  expect_rejects("\xED\xBF\xBF");  // U+DFFF
  expect_decodes("\xEE\x80\x80", 0xE000);
}

TEST(Utf8Decode, AboveMaximum) {
  expect_rejects("\xF4\x90\x80\x80");  // U+110000
  expect_rejects("\xF5\x80\x80\x80");
  expect_rejects("\xF7\xBF\xBF\xBF");
  expect_rejects("\xF8\x88\x80\x80\x80");  // old 5-byte form
  expect_rejects("\xFC\x84\x80\x80\x80\x80");
  expect_rejects("\xFE");
  expect_rejects("\xFF");
}

TEST(Utf8Decode, OverlongsOfEachLength) {
  expect_rejects("\xC0\x80");          // U+0000 in 2 bytes
  expect_rejects("\xC0\xAF");          // '/'
  expect_rejects("\xC1\xBF");          // U+007F in 2 bytes
  expect_rejects("\xE0\x80\x80");      // U+0000 in 3 bytes
  expect_rejects("\xE0\x9F\xBF");      // U+07FF in 3 bytes
  expect_rejects("\xF0\x80\x80\x80");  // U+0000 in 4 bytes
  expect_rejects("\xF0\x8F\xBF\xBF");  // U+FFFF in 4 bytes
}

TEST(Utf8Decode, LoneContinuationBytes) {
  expect_rejects("\x80");
  expect_rejects("\xBF");
  expect_rejects("\x80\x80");
}

TEST(Utf8Decode, TruncatedAtEndOfBuffer) {
  expect_rejects("\xC2");
  expect_rejects("\xD0");
  expect_rejects("\xE0\xA0");
  expect_rejects("\xE2");
  expect_rejects("\xF0\x90\x80");
  expect_rejects("\xF0\x90");
  expect_rejects("\xF4");
}

TEST(Utf8Decode, TruncatedBeforeNonContinuation) {
  expect_rejects("\xD0" "a");
  expect_rejects("\xE2\x82" "a");
  expect_rejects("\xF0\x9F\x98" "a");
  expect_rejects("\xE2" "\xE2\x82\xAC");
  expect_rejects("\xD0\xD0\xB0");
}

TEST(Utf8Decode, TruncationDetectedInsideLongerView) {
  // The view ends mid-sequence even though the underlying buffer goes on.
  std::string buf = "x\xD0\xB0";
  std::string_view v(buf.data(), 2);
  size_t i = 1;
  char32_t cp;
  EXPECT_FALSE(decode(v, i, cp));
  EXPECT_EQ(i, 1u);
}

TEST(Utf8Decode, AdvancesFromMiddleOffset) {
  std::string s = "aя€😡";
  size_t i = 0;
  char32_t cp;
  ASSERT_TRUE(decode(s, i, cp));
  EXPECT_EQ(cp, U'a');
  EXPECT_EQ(i, 1u);
  ASSERT_TRUE(decode(s, i, cp));
  EXPECT_EQ(cp, U'я');
  EXPECT_EQ(i, 3u);
  ASSERT_TRUE(decode(s, i, cp));
  EXPECT_EQ(cp, U'€');
  EXPECT_EQ(i, 6u);
  ASSERT_TRUE(decode(s, i, cp));
  EXPECT_EQ(cp, U'😡');
  EXPECT_EQ(i, 10u);
}

TEST(Utf8Decode, FailureLeavesIndexAtOffendingByte) {
  std::string s = "ab\xE2\x82";
  size_t i = 2;
  char32_t cp = 0;
  EXPECT_FALSE(decode(s, i, cp));
  EXPECT_EQ(i, 2u);
}

TEST(Utf8FindInvalid, ValidTextIsNpos) {
  EXPECT_EQ(find_invalid(""), std::string_view::npos);
  EXPECT_EQ(find_invalid("hello"), std::string_view::npos);
  EXPECT_EQ(find_invalid("привет, мир 😡 €"), std::string_view::npos);
  EXPECT_EQ(find_invalid("\xF4\x8F\xBF\xBF"), std::string_view::npos);
  EXPECT_EQ(find_invalid("a\x00"s "b"), std::string_view::npos);
}

TEST(Utf8FindInvalid, ReportsFirstBadOffset) {
  EXPECT_EQ(find_invalid("\xFF"), 0u);
  EXPECT_EQ(find_invalid("abc\xFF"), 3u);
  EXPECT_EQ(find_invalid("я\xFF"), 2u);
  EXPECT_EQ(find_invalid("ok\xC0\x80"), 2u);
  EXPECT_EQ(find_invalid("ab\xED\xA0\x80"), 2u);
  EXPECT_EQ(find_invalid("abcd\xD0"), 4u);  // truncated at end
  EXPECT_EQ(find_invalid("😡\xF0\x9F\x98"), 4u);
  EXPECT_EQ(find_invalid("x\x80y\xFF"), 1u);  // first of two
  EXPECT_EQ(find_invalid("\xF4\x90\x80\x80"), 0u);
}

TEST(Utf8FindInvalid, LongAsciiRunThenError) {
  std::string s(10000, 'a');
  s += "\xC3";
  EXPECT_EQ(find_invalid(s), 10000u);
}

TEST(Utf8CountCodePoints, ValidText) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("abc"), 3u);
  EXPECT_EQ(count_code_points("привет"), 6u);
  EXPECT_EQ(count_code_points("a€😡я"), 4u);
  EXPECT_EQ(count_code_points("👨‍👩‍👧"), 5u);  // 3 people and 2 ZWJ
}

TEST(Utf8CountCodePoints, InvalidBytesCountOneEach) {
  EXPECT_EQ(count_code_points("\xFF"), 1u);
  EXPECT_EQ(count_code_points("a\xFF\xFE" "b"), 4u);
  EXPECT_EQ(count_code_points("\xC0\x80"), 2u);       // both bytes bad
  EXPECT_EQ(count_code_points("\xED\xA0\x80"), 3u);   // surrogate: 3 bad bytes
  EXPECT_EQ(count_code_points("я\xD0"), 2u);
}

std::string encoded(char32_t cp) {
  std::string s;
  append(s, cp);
  return s;
}

TEST(Utf8Append, ExactBytes) {
  EXPECT_EQ(encoded(0), "\x00"s);
  EXPECT_EQ(encoded(0x7F), "\x7F");
  EXPECT_EQ(encoded(0x80), "\xC2\x80");
  EXPECT_EQ(encoded(0x7FF), "\xDF\xBF");
  EXPECT_EQ(encoded(0x800), "\xE0\xA0\x80");
  EXPECT_EQ(encoded(0xFFFF), "\xEF\xBF\xBF");
  EXPECT_EQ(encoded(0x10000), "\xF0\x90\x80\x80");
  EXPECT_EQ(encoded(0x10FFFF), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(encoded(U'я'), "я");
}

TEST(Utf8Append, AppendsToExistingContent) {
  std::string s = "ab";
  append(s, U'ё');
  append(s, U'😡');
  EXPECT_EQ(s, "abё😡");
}

TEST(Utf8Append, RoundTripsEveryScalarValue) {
  std::string all;
  size_t count = 0;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    append(s, cp);
    size_t i = 0;
    char32_t back = 0;
    ASSERT_TRUE(decode(s, i, back)) << std::hex << uint32_t(cp);
    ASSERT_EQ(back, cp);
    ASSERT_EQ(i, s.size());
    const size_t want_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    ASSERT_EQ(s.size(), want_len) << std::hex << uint32_t(cp);
    if (cp % 4099 == 0) { all += s; ++count; }
  }
  EXPECT_EQ(find_invalid(all), std::string_view::npos);
  EXPECT_EQ(count_code_points(all), count);
}

}  // namespace
}  // namespace sito::utf8
