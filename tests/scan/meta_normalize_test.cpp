// normalize_meta (engine/src/scan/filter_eval.cpp), the metadata values
// filters compare: its direct path for ASCII must give what text::normalize
// gives, for any value.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "scan/post_context.hpp"
#include "sito/text/analyzed_text.hpp"

namespace sito::detail {
namespace {

TEST(NormalizeMeta, AgreesWithNormalizeOnRandomValues) {
  const std::vector<std::string> pieces = {
      "Москва", "САНКТ-ПЕТЕРБУРГ", "Ёлки", "ёж", "Ё", "ё", "RU", "kz", "user_42", ":", "/", " ", "Я", "я", "А", "а",
      "Пп", "Рр", "й", "и\u0306", "е\u0308", "\u0301", "қ", "Ә", "é", "É", "ß", "İ", "ﬁ", "Ｆ", "😡", "\u0483",
      "Ѐ", "ѐ", "Ђ", "ђ", "\xd0", "\xd1\x91", "Алматы"};
  std::mt19937_64 rng(11);
  std::string out;
  size_t direct = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string v;
    for (size_t n = rng() % 6; n-- > 0;) v += pieces[rng() % pieces.size()];
    normalize_meta(v, out);
    ASSERT_EQ(out, text::normalize(v)) << v;
    bool ascii = true;
    for (unsigned char c : v) ascii = ascii && c < 0x80;
    direct += ascii;
  }
  EXPECT_GT(direct, 500u) << "the direct path should be exercised";
  normalize_meta("Екатеринбург ЁЖ", out);
  EXPECT_EQ(out, "екатеринбург еж");
}

}  // namespace
}  // namespace sito::detail
