// File: tests/morph/morphology_test.cpp
//
// The three rules of DESIGN §3 on known words, and the agreement between the
// precomputed expansion() and the literal matches() on pairs from real text.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "sito/morph/morphology.hpp"

namespace sito::morph {
namespace {

std::shared_ptr<const morphology> default_morph() {
  auto m = morphology::default_instance();
  EXPECT_NE(m, nullptr);
  EXPECT_NE(m->dict(), nullptr) << "hunspell-ru is missing";
  return m;
}

std::string stem_of(stemmer& s, std::string_view t) {
  std::string out;
  EXPECT_TRUE(s.stem(t, out)) << t;
  return out;
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::binary_search(v.begin(), v.end(), s);
}

// The literal rule restated through the expansion: what the scanner checks.
bool matches_by_expansion(const term_expansion& x, std::string_view w, stemmer& s) {
  if (has(x.exact_forms, w)) return true;
  std::string st;
  return s.stem(w, st) && has(x.stems, st);
}

TEST(Morphology, DostavkaMatchesItsForms) {
  const auto m = default_morph();
  ASSERT_NE(m->dict(), nullptr);
  stemmer s;
  for (const char* w : {"доставка", "доставок", "доставки", "доставкой", "доставку", "доставке"}) {
    EXPECT_TRUE(m->matches("доставка", w, s)) << w;
    EXPECT_TRUE(m->matches(w, "доставка", s)) << w;
  }
  // доставок needs the dictionary: the stemmer leaves it alone.
  EXPECT_NE(stem_of(s, "доставок"), stem_of(s, "доставка"));
  const morphology stems_only(nullptr);
  EXPECT_FALSE(stems_only.matches("доставка", "доставок", s));
  EXPECT_TRUE(stems_only.matches("доставка", "доставку", s));

  const auto x = m->expansion("доставка", s);
  EXPECT_TRUE(has(x.exact_forms, "доставок"));
  EXPECT_TRUE(has(x.exact_forms, "доставка"));
  EXPECT_EQ(x.stems, (std::vector<std::string>{"доставк", "доставка"}));
}

TEST(Morphology, UnrelatedWordsDoNotMatch) {
  const auto m = default_morph();
  stemmer s;
  EXPECT_FALSE(m->matches("доставка", "достать", s));
  EXPECT_FALSE(m->matches("кот", "кит", s));
  EXPECT_FALSE(m->matches("доставка", "delivery", s));
  EXPECT_FALSE(m->matches("delivery", "доставка", s));
}

TEST(Morphology, BrandBaseFormMatchesInflections) {
  const auto m = default_morph();
  stemmer s;
  ASSERT_TRUE(m->dict()->entries_of("фловвов").empty());  // unknown to hunspell-ru
  // Rule (a) alone fails: the stems differ.
  EXPECT_NE(stem_of(s, "фловвов"), stem_of(s, "фловвову"));
  EXPECT_TRUE(m->matches("фловвов", "фловвову", s));
  EXPECT_TRUE(m->matches("фловвов", "фловвова", s));
  EXPECT_TRUE(m->matches("фловвов", "фловвовы", s));
  // Rule (c) is one-way: an inflected term does not match the base form.
  EXPECT_FALSE(m->matches("фловвову", "фловвов", s));
  const auto x = m->expansion("фловвов", s);
  EXPECT_EQ(x.exact_forms, (std::vector<std::string>{"фловвов"}));
  EXPECT_EQ(x.stems, (std::vector<std::string>{"фловв", "фловвов"}));
}

TEST(Morphology, EnglishTermsUseTheEnglishStemmer) {
  const auto m = default_morph();
  stemmer s;
  EXPECT_TRUE(m->matches("delivery", "deliveries", s));
  EXPECT_TRUE(m->matches("deliveries", "delivery", s));
  EXPECT_TRUE(m->matches("running", "run", s));
  EXPECT_TRUE(m->matches("run", "running", s));
  EXPECT_TRUE(m->matches("run", "runs", s));
  EXPECT_FALSE(m->matches("run", "ran", s));  // Snowball does not know irregular verbs
  EXPECT_TRUE(m->matches("flowwow", "flowwows", s));
}

TEST(Morphology, KazakhTermsMatchExactFormOnly) {
  const auto m = default_morph();
  stemmer s;
  EXPECT_TRUE(m->matches("қазақстан", "қазақстан", s));
  EXPECT_FALSE(m->matches("қазақстан", "қазақстанда", s));
  EXPECT_FALSE(m->matches("қазақстанда", "қазақстан", s));
  const auto x = m->expansion("қазақстан", s);
  EXPECT_EQ(x.exact_forms, (std::vector<std::string>{"қазақстан"}));
  EXPECT_TRUE(x.stems.empty());
  // Digits and other scripts likewise.
  const auto d = m->expansion("2024", s);
  EXPECT_EQ(d.exact_forms, (std::vector<std::string>{"2024"}));
  EXPECT_TRUE(d.stems.empty());
  EXPECT_FALSE(m->matches("2024", "2025", s));
}

TEST(Morphology, ExpansionIsSortedAndUnique) {
  const auto m = default_morph();
  stemmer s;
  for (const char* t : {"доставка", "идти", "стол", "быть", "москва", "hello", "елка"}) {
    const auto x = m->expansion(t, s);
    EXPECT_TRUE(std::is_sorted(x.exact_forms.begin(), x.exact_forms.end())) << t;
    EXPECT_TRUE(std::adjacent_find(x.exact_forms.begin(), x.exact_forms.end()) ==
                x.exact_forms.end())
        << t;
    EXPECT_TRUE(std::is_sorted(x.stems.begin(), x.stems.end())) << t;
    EXPECT_TRUE(has(x.exact_forms, t)) << t;
    EXPECT_TRUE(has(x.stems, t)) << t;
    EXPECT_TRUE(has(x.stems, stem_of(s, t))) << t;
  }
}

TEST(Morphology, DefaultInstanceIsShared) {
  EXPECT_EQ(morphology::default_instance(), morphology::default_instance());
  EXPECT_EQ(morphology::default_instance()->dict(), dictionary::default_russian().get());
}

// --- Real-text agreement -------------------------------------------------

// Lower case and ё→е for the letters Russian text uses; enough for a test
// tokenizer (the engine's normalizer lives in sito::text).
char32_t fold(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c == 0x0401 || c == 0x0451) return 0x0435;
  if (c >= 0x0400 && c <= 0x040F) return c + 0x50;
  if (c >= 0x0410 && c <= 0x042F) return c + 0x20;
  return c;
}

bool is_word_char(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') ||
         (c >= 0x0400 && c <= 0x04FF);
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Splits UTF-8 text into normalized tokens of Latin, Cyrillic and digits.
void tokenize(std::string_view text, std::vector<std::string>& out) {
  std::string cur;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    char32_t c = b;
    size_t len = 1;
    if (b >= 0xC0 && b < 0xE0 && i + 1 < text.size()) {
      c = ((b & 0x1F) << 6) | (text[i + 1] & 0x3F);
      len = 2;
    } else if (b >= 0xE0 && b < 0xF0 && i + 2 < text.size()) {
      c = ((b & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
      len = 3;
    } else if (b >= 0xF0) {
      len = 4;
      c = 0xFFFD;
    }
    i += len;
    if (is_word_char(c)) {
      append_utf8(cur, fold(c));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
}

std::vector<std::string> corpus_tokens(const dictionary& d) {
  std::vector<std::string> tokens;
  const std::filesystem::path dir = "/usr/share/games/fortunes/ru";
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".u8") continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    tokenize(buf.str(), tokens);
  }
  if (tokens.size() < 10000) {  // no fortunes-ru: fall back to the dictionary itself
    for (uint32_t e = 0; e < d.entry_count(); e += 7) tokens.emplace_back(d.base_of(e));
  }
  return tokens;
}

TEST(Morphology, ExpansionAgreesWithMatchesOnRealText) {
  const auto m = default_morph();
  ASSERT_NE(m->dict(), nullptr);
  stemmer s;
  std::vector<std::string> tokens = corpus_tokens(*m->dict());
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  ASSERT_GT(tokens.size(), 5000u);

  // Tokens grouped by their first three code points (6 bytes of Cyrillic),
  // so that a good share of the pairs are related words.
  std::unordered_map<std::string, std::vector<size_t>> by_prefix;
  for (size_t i = 0; i < tokens.size(); ++i) {
    by_prefix[tokens[i].substr(0, std::min<size_t>(tokens[i].size(), 6))].push_back(i);
  }
  std::mt19937 rng(42);
  auto any = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };

  std::vector<std::pair<std::string, std::string>> pairs;
  while (pairs.size() < 2000) {
    const std::string& t = tokens[any(tokens.size())];
    const auto& near = by_prefix[t.substr(0, std::min<size_t>(t.size(), 6))];
    switch (pairs.size() % 5) {
      case 0:  // unrelated
        pairs.emplace_back(t, tokens[any(tokens.size())]);
        break;
      case 1:
      case 2:  // same prefix
        pairs.emplace_back(t, tokens[near[any(near.size())]]);
        break;
      case 3: {  // a dictionary form of the term, when it has one
        const auto ids = m->dict()->entries_of(t);
        if (ids.empty()) {
          pairs.emplace_back(t, tokens[near[any(near.size())]]);
        } else {
          const auto forms = m->dict()->forms_of(ids[any(ids.size())]);
          pairs.emplace_back(t, forms[any(forms.size())]);
        }
        break;
      }
      case 4: {  // the term is a stem: exercises rule (c)
        std::string st;
        const std::string& w = tokens[near[any(near.size())]];
        if (s.stem(w, st)) {
          pairs.emplace_back(st, tokens[near[any(near.size())]]);
        } else {
          pairs.emplace_back(t, w);
        }
        break;
      }
    }
  }

  size_t matched = 0;
  size_t mismatched = 0;
  for (const auto& [t, w] : pairs) {
    const bool literal = m->matches(t, w, s);
    const bool expanded = matches_by_expansion(m->expansion(t, s), w, s);
    matched += literal ? 1 : 0;
    if (literal != expanded) {
      ++mismatched;
      ADD_FAILURE() << "term '" << t << "' token '" << w << "': matches=" << literal
                    << " expansion=" << expanded;
    }
  }
  std::printf("[ info ] %zu pairs from %zu distinct tokens, %zu match, %zu disagree\n",
              pairs.size(), tokens.size(), matched, mismatched);
  // Both outcomes must be well represented for the check to mean anything.
  EXPECT_GT(matched, 400u);
  EXPECT_GT(pairs.size() - matched, 400u);
}

}  // namespace
}  // namespace sito::morph
