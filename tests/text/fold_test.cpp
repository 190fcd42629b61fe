// Tests of sito::text::fold / unfold (the single-byte folded form of
// normalized text, DESIGN §6): exact byte layout per class of code point,
// round trips over the whole code space, and the property that a folded
// needle can only match at code point boundaries.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/utf8.hpp"
#include "sito/text/fold.hpp"

namespace sito::text {
namespace {

std::string utf8_of(char32_t cp) {
  std::string s;
  utf8::append(s, cp);
  return s;
}

std::string bytes(std::initializer_list<unsigned> bs) {
  std::string s;
  for (unsigned b : bs) s.push_back(char(b));
  return s;
}

/// The escape fold() must produce for `cp`: 0xF8 then cp in base 56, four
/// digits, most significant first, each offset by 0xC0.
std::string expected_escape(char32_t cp) {
  uint32_t v = cp;
  std::string s(5, '\0');
  s[0] = char(0xF8);
  for (int k = 4; k >= 1; --k) {
    s[k] = char(0xC0 + v % 56);
    v /= 56;
  }
  return s;
}

TEST(Fold, AsciiUnchanged) {
  std::string ascii;
  for (int c = 0; c < 0x80; ++c) ascii.push_back(char(c));
  EXPECT_EQ(fold(ascii), ascii);
  EXPECT_EQ(fold("flowwow 2024 #tag_x"), "flowwow 2024 #tag_x");
}

TEST(Fold, EachCyrillicLetterIsOneByte) {
  for (char32_t cp = 0x430; cp <= 0x44F; ++cp) {
    std::string f = fold(utf8_of(cp));
    ASSERT_EQ(f.size(), 1u) << std::hex << uint32_t(cp);
    EXPECT_EQ(static_cast<unsigned char>(f[0]), 0x80 + (cp - 0x430)) << std::hex << uint32_t(cp);
  }
  EXPECT_EQ(fold("а"), bytes({0x80}));
  EXPECT_EQ(fold("я"), bytes({0x9F}));
  EXPECT_EQ(fold("доставка"), bytes({0x84, 0x8E, 0x91, 0x92, 0x80, 0x82, 0x8A, 0x80}));
}

TEST(Fold, KazakhLettersAreA0ToA8) {
  const char32_t kazakh[] = {U'ә', U'ғ', U'қ', U'ң', U'ө', U'ұ', U'ү', U'һ', U'і'};
  for (size_t k = 0; k < std::size(kazakh); ++k) {
    std::string f = fold(utf8_of(kazakh[k]));
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(static_cast<unsigned char>(f[0]), 0xA0 + k) << std::hex << uint32_t(kazakh[k]);
  }
  // қ is not к.
  EXPECT_NE(fold("қ"), fold("к"));
  EXPECT_EQ(fold("қазақ"), bytes({0xA2, 0x80, 0x87, 0x80, 0xA2}));
}

TEST(Fold, OtherCodePointsAreFiveByteEscapes) {
  for (char32_t cp : {char32_t(0x80), char32_t(0xE9), char32_t(0x401), char32_t(0x451),
                      char32_t(0x42F), char32_t(0x450), char32_t(0x4D8), char32_t(0x4E8),
                      char32_t(0x4E5), char32_t(0x20AC), char32_t(0x4E2D), char32_t(0x1F621),
                      char32_t(0xFFFD), char32_t(0x10FFFF)}) {
    std::string f = fold(utf8_of(cp));
    ASSERT_EQ(f.size(), fold_escape_size) << std::hex << uint32_t(cp);
    EXPECT_EQ(f, expected_escape(cp)) << std::hex << uint32_t(cp);
    EXPECT_EQ(static_cast<unsigned char>(f[0]), fold_escape);
    for (size_t k = 1; k < f.size(); ++k) {
      const auto b = static_cast<unsigned char>(f[k]);
      EXPECT_GE(b, 0xC0) << std::hex << uint32_t(cp);
      EXPECT_LE(b, 0xF7) << std::hex << uint32_t(cp);
    }
  }
}

TEST(Fold, EscapeExactBytes) {
  // é = U+00E9 = 233 = 0*56^3 + 0*56^2 + 4*56 + 9
  EXPECT_EQ(fold("é"), bytes({0xF8, 0xC0, 0xC0, 0xC4, 0xC9}));
  // 😡 = U+1F621 = 128545 = 0*175616 + 40*3136 + 55*56 + 25
  EXPECT_EQ(fold("😡"), bytes({0xF8, 0xC0, 0xE8, 0xF7, 0xD9}));
  // U+10FFFF = 1114111 = 6*175616 + 19*3136 + 14*56 + 47
  EXPECT_EQ(fold(utf8_of(0x10FFFF)), bytes({0xF8, 0xC6, 0xD3, 0xCE, 0xEF}));
  // 中 = U+4E2D = 20013 = 0*175616 + 6*3136 + 21*56 + 21
  EXPECT_EQ(fold("中"), bytes({0xF8, 0xC0, 0xC6, 0xD5, 0xD5}));
}

TEST(Fold, MixedText) {
  std::string f = fold("a я😡b");
  std::string want = "a ";
  want += bytes({0x9F});
  want += expected_escape(0x1F621);
  want += "b";
  EXPECT_EQ(f, want);
}

TEST(Fold, FoldAppendMatchesFold) {
  std::string out = "x";
  fold_append(out, U'ж');
  fold_append(out, U'ң');
  fold_append(out, U'€');
  std::string want = "x";
  want += fold("жң€");
  EXPECT_EQ(out, want);
}

TEST(Fold, InvalidBytesFoldAsReplacementCharacter) {
  std::string want = "a";
  want += expected_escape(0xFFFD);
  want += "b";
  EXPECT_EQ(fold("a\xFF" "b"), want);
  EXPECT_EQ(fold("\xD0"), expected_escape(0xFFFD));
}

TEST(Fold, EmptyString) {
  EXPECT_EQ(fold(""), "");
  EXPECT_EQ(unfold(""), "");
}

TEST(Unfold, InvertsEachClass) {
  EXPECT_EQ(unfold("abc 123"), "abc 123");
  EXPECT_EQ(unfold(bytes({0x80, 0x9F})), "ая");
  EXPECT_EQ(unfold(bytes({0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8})), "әғқңөұүһі");
  EXPECT_EQ(unfold(bytes({0xF8, 0xC0, 0xC0, 0xC4, 0xC9})), "é");
}

TEST(Unfold, MalformedFoldedBytesBecomeReplacementCharacter) {
  // A payload byte outside an escape, and a truncated escape.
  EXPECT_EQ(unfold(bytes({0xC5})), "\uFFFD");
  EXPECT_EQ(unfold(bytes({0xA9})), "\uFFFD");
  std::string truncated = "a";
  truncated += bytes({0xF8, 0xC0, 0xC0});
  EXPECT_EQ(unfold(truncated), "a\uFFFD\uFFFD\uFFFD");
  // An escape whose value exceeds U+10FFFF.
  EXPECT_EQ(unfold(bytes({0xF8, 0xF7, 0xF7, 0xF7, 0xF7})), "\uFFFD");
}

TEST(Fold, RoundTripOverSampledCodePoints) {
  size_t checked = 0;
  std::string all;
  for (uint32_t v = 0; v <= 0x10FFFF; v += 97) {
    if (v >= 0xD800 && v <= 0xDFFF) continue;
    const std::string s = utf8_of(char32_t(v));
    const std::string f = fold(s);
    ASSERT_EQ(unfold(f), s) << std::hex << v;
    all += s;
    ++checked;
  }
  EXPECT_GT(checked, 11000u);
  // And as one long string: escapes and single bytes interleave correctly.
  EXPECT_EQ(unfold(fold(all)), all);
}

TEST(Fold, RoundTripEveryCodePointBelow0x800) {
  for (char32_t cp = 0; cp < 0x800; ++cp) {
    const std::string s = utf8_of(cp);
    ASSERT_EQ(unfold(fold(s)), s) << std::hex << uint32_t(cp);
  }
}

TEST(Fold, PayloadBytesNeverOutsideEscapes) {
  // Over a sample of code points, every byte in 0xC0..0xF7 of the folded form
  // sits at offsets 1..4 after an 0xF8.
  std::string all;
  for (uint32_t v = 0; v <= 0x10FFFF; v += 311) {
    if (v >= 0xD800 && v <= 0xDFFF) continue;
    all += utf8_of(char32_t(v));
  }
  const std::string f = fold(all);
  size_t i = 0;
  while (i < f.size()) {
    const auto b = static_cast<unsigned char>(f[i]);
    if (b == fold_escape) {
      ASSERT_LE(i + fold_escape_size, f.size());
      i += fold_escape_size;
      continue;
    }
    ASSERT_LT(b, 0xA9) << "stray byte at " << i;
    ++i;
  }
}

char32_t random_code_point(std::mt19937& rng) {
  // Mix of classes so single-byte and escaped forms both occur often.
  std::uniform_int_distribution<int> cls(0, 5);
  switch (cls(rng)) {
    case 0: return char32_t(std::uniform_int_distribution<uint32_t>(0, 0x7F)(rng));
    case 1: return char32_t(std::uniform_int_distribution<uint32_t>(0x430, 0x44F)(rng));
    case 2: {
      const char32_t kazakh[] = {0x4D9, 0x493, 0x49B, 0x4A3, 0x4E9, 0x4B1, 0x4AF, 0x4BB, 0x456};
      return kazakh[std::uniform_int_distribution<size_t>(0, 8)(rng)];
    }
    case 3: return char32_t(std::uniform_int_distribution<uint32_t>(0x80, 0x7FF)(rng));
    default: {
      uint32_t v;
      do {
        v = std::uniform_int_distribution<uint32_t>(0, 0x10FFFF)(rng);
      } while (v >= 0xD800 && v <= 0xDFFF);
      return char32_t(v);
    }
  }
}

TEST(Fold, NeedleMatchesOnlyAtCodePointBoundaries) {
  std::mt19937 rng(20240611);
  int same = 0;
  for (int n = 0; n < 2000; ++n) {
    const char32_t a = random_code_point(rng);
    // Make equal pairs happen sometimes, so both directions are tested.
    const char32_t b = (n % 10 == 0) ? a : random_code_point(rng);
    const std::string fa = fold(utf8_of(a));
    const std::string fb = fold(utf8_of(b));
    const bool found = fb.find(fa) != std::string::npos;
    EXPECT_EQ(found, a == b) << std::hex << "a=U+" << uint32_t(a) << " b=U+" << uint32_t(b);
    if (a == b) ++same;
  }
  EXPECT_GE(same, 200);
}

TEST(Fold, NeedleNeverMatchesAcrossEscapeBoundaryInText) {
  // Stronger form: a single folded code point found in a folded string is
  // always found at the start of one of its code points' folded forms.
  std::mt19937 rng(7);
  for (int n = 0; n < 300; ++n) {
    std::u32string cps;
    std::string text;
    std::vector<size_t> starts;
    for (int k = 0; k < 20; ++k) {
      const char32_t c = random_code_point(rng);
      starts.push_back(fold(text).size());
      cps.push_back(c);
      utf8::append(text, c);
    }
    const std::string ft = fold(text);
    const char32_t needle_cp = random_code_point(rng);
    const std::string needle = fold(utf8_of(needle_cp));
    for (size_t pos = ft.find(needle); pos != std::string::npos; pos = ft.find(needle, pos + 1)) {
      const auto it = std::find(starts.begin(), starts.end(), pos);
      ASSERT_NE(it, starts.end()) << "match inside a code point at " << pos;
      EXPECT_EQ(cps[size_t(it - starts.begin())], needle_cp);
    }
  }
}

}  // namespace
}  // namespace sito::text
