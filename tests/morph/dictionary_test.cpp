// File: tests/morph/dictionary_test.cpp
//
// The hunspell-ru expander: parsing corners on small hand-written files, the
// real ru_RU dictionary, and a cross-check of generated forms against
// libhunspell itself.
#include <gtest/gtest.h>
#include <hunspell/hunspell.hxx>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "sito/morph/dictionary.hpp"

namespace sito::morph {
namespace {

// Where hunspell-ru lives: $SITO_HUNSPELL_DIR as for default_russian(), else
// the Debian path (the build's default).
const std::string k_dir = [] {
  const char* env = std::getenv("SITO_HUNSPELL_DIR");
  return std::string(env != nullptr && *env != '\0' ? env : "/usr/share/hunspell");
}();

std::vector<std::string> entries_bases(const dictionary& d, std::string_view form) {
  std::vector<std::string> out;
  for (uint32_t e : d.entries_of(form)) out.emplace_back(d.base_of(e));
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      in >> kib;
      return kib;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return -1;
}

// Writes a small .aff/.dic pair under the test's temp dir.
struct temp_dict {
  std::string aff;
  std::string dic;
  temp_dict(const std::string& name, const std::string& aff_text, const std::string& dic_text) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("sito_morph_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    aff = (dir / "t.aff").string();
    dic = (dir / "t.dic").string();
    std::ofstream(aff) << aff_text;
    std::ofstream(dic) << dic_text;
  }
};


TEST(Dictionary, ParsesSuffixRulesAndConditions) {
  const temp_dict t("rules",
                    "SET UTF-8\n"
                    "TRY абв\n"
                    "# comment\n"
                    "SFX A Y 5\n"
                    "SFX A   а     ы     [^к]а\n"   // strip а, not after к
                    "SFX A   а     и     ка\n"
                    "SFX A   0     ми    .\n"       // strip nothing, any last char
                    "SFX A   а     ой/B  а\n"       // continuation flag B ignored
                    "SFX A   ёлка  ёлок  ёлка\n"    // condition longer than one char, ё
                    "\n"
                    "SFX B N 1\n"
                    "SFX B   0     ище   [бв]\n",
                    "4\n"
                    "вода/A\n"
                    "река/A\tst:река po:noun\n"
                    "Ёлка/A\n"
                    "клуб/B\n"
                    "зуб/AB\n");
  auto loaded = dictionary::load(t.aff, t.dic);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const dictionary& d = **loaded;
  ASSERT_EQ(d.entry_count(), 5u);
  EXPECT_EQ(d.forms_of(0), (std::vector<std::string>{"вода", "водами", "водой", "воды"}));
  EXPECT_EQ(d.forms_of(1), (std::vector<std::string>{"река", "реками", "реки", "рекой"}));
  // Normalized: lower case, ё→е; raw keeps the .dic spelling. The rule
  // with condition ёлка does not apply: the word ends in Ёлка (upper case).
  EXPECT_EQ(d.base_of(2), "елка");
  EXPECT_EQ(d.forms_of(2), (std::vector<std::string>{"елка", "елками", "елки", "елкой"}));
  EXPECT_EQ(d.raw_forms_of(2), (std::vector<std::string>{"Ёлка", "Ёлками", "Ёлки", "Ёлкой"}));
  EXPECT_EQ(d.forms_of(3), (std::vector<std::string>{"клуб", "клубище"}));
  // зуб: of A only the `.` rule applies (зубми); B adds зубище.
  EXPECT_EQ(d.forms_of(4), (std::vector<std::string>{"зуб", "зубище", "зубми"}));
  EXPECT_TRUE(d.entries_of("зубы").empty());
  EXPECT_EQ(entries_bases(d, "водой"), (std::vector<std::string>{"вода"}));
  EXPECT_TRUE(d.entries_of("Водой").empty());  // lookups take normalized forms
  EXPECT_TRUE(d.entries_of("").empty());
  EXPECT_EQ(d.form_count(), 4u + 4u + 4u + 2u + 3u);
}

TEST(Dictionary, FormSharedByEntriesListsThemAscending) {
  const temp_dict t("shared",
                    "SET UTF-8\nSFX A Y 1\nSFX A 0 ы .\nSFX B Y 1\nSFX B а ы а\n",
                    "3\nстол/A\nстола/B\nстолы\n");
  auto loaded = dictionary::load(t.aff, t.dic);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const dictionary& d = **loaded;
  const auto e = d.entries_of("столы");
  EXPECT_EQ(std::vector<uint32_t>(e.begin(), e.end()), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(d.form_count(), 3u);
}

TEST(Dictionary, StripNeedsALongerWord) {
  // hunspell never strips the whole word (no FULLSTRIP).
  const temp_dict t("strip", "SET UTF-8\nSFX A Y 1\nSFX A ок ка ок\n", "2\nок/A\nсок/A\n");
  auto loaded = dictionary::load(t.aff, t.dic);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_EQ((*loaded)->forms_of(0), (std::vector<std::string>{"ок"}));
  EXPECT_EQ((*loaded)->forms_of(1), (std::vector<std::string>{"сок", "ска"}));
}

TEST(Dictionary, RejectsUnsupportedFiles) {
  {
    const temp_dict t("koi", "SET KOI8-R\n", "0\n");
    const auto r = dictionary::load(t.aff, t.dic);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  }
  {
    const temp_dict t("pfx", "SET UTF-8\nPFX A Y 1\nPFX A 0 не .\n", "0\n");
    const auto r = dictionary::load(t.aff, t.dic);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("PFX"), std::string::npos) << r.error().message();
  }
  {
    const temp_dict t("long", "SET UTF-8\nFLAG long\n", "0\n");
    EXPECT_FALSE(dictionary::load(t.aff, t.dic).ok());
  }
  {
    const temp_dict t("short", "SET UTF-8\nSFX A Y 2\nSFX A 0 ы .\n", "0\n");
    EXPECT_FALSE(dictionary::load(t.aff, t.dic).ok());
  }
  {
    const temp_dict t("cond", "SET UTF-8\nSFX A Y 1\nSFX A 0 ы [аб\n", "0\n");
    EXPECT_FALSE(dictionary::load(t.aff, t.dic).ok());
  }
  const auto missing = dictionary::load("/nonexistent/ru.aff", "/nonexistent/ru.dic");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), status_code::not_found);
}

TEST(Dictionary, LoadsRussianWithinBudget) {
  const long before = rss_kib();
  const auto t0 = std::chrono::steady_clock::now();
  auto loaded = dictionary::load(k_dir + "/ru_RU.aff", k_dir + "/ru_RU.dic");
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const long after = rss_kib();
  const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  const auto& d = **loaded;
  std::printf("[ info ] ru_RU: %zu entries, %zu distinct forms, load %.0f ms, RSS +%ld MiB\n",
              d.entry_count(), d.form_count(), ms, (after - before) / 1024);
  RecordProperty("load_ms", static_cast<int>(ms));
  RecordProperty("rss_delta_kib", static_cast<int>(after - before));
  EXPECT_EQ(d.entry_count(), 146269u);
  EXPECT_GT(d.form_count(), 1'200'000u);
  EXPECT_LT(d.form_count(), 1'400'000u);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's shadow memory roughly doubles it
  EXPECT_LT(after - before, 200L * 1024);
#endif
}

TEST(Dictionary, DostavkaFormsComeFromOneEntry) {
  const auto dict = dictionary::default_russian();
  ASSERT_NE(dict, nullptr) << "hunspell-ru not found under " << k_dir;
  const dictionary& d = *dict;
  const auto bases = entries_bases(d, "доставок");
  ASSERT_TRUE(contains(bases, "доставка"));
  for (uint32_t e : d.entries_of("доставок")) {
    if (d.base_of(e) != "доставка") continue;
    const auto forms = d.forms_of(e);
    EXPECT_EQ(forms.front(), "доставка");
    for (const char* f : {"доставки", "доставке", "доставку", "доставкой", "доставок", "доставкам",
                          "доставками", "доставках"}) {
      EXPECT_TRUE(contains(forms, f)) << f;
    }
  }
}

TEST(Dictionary, RussianFormsAreNormalized) {
  const auto dict = dictionary::default_russian();
  ASSERT_NE(dict, nullptr) << "hunspell-ru not found under " << k_dir;
  const dictionary& d = *dict;
  // Москва/H: capitalized in the .dic, looked up in lower case.
  EXPECT_TRUE(contains(entries_bases(d, "москвой"), "москва"));
  EXPECT_TRUE(d.entries_of("Москвой").empty());
  // ёлка/I and елка/I are two entries with the same normalized forms.
  const auto bases = entries_bases(d, "елок");
  EXPECT_EQ(std::count(bases.begin(), bases.end(), "елка"), 2);
  EXPECT_TRUE(d.entries_of("ёлок").empty());
  EXPECT_TRUE(d.entries_of("фловвов").empty());
  EXPECT_TRUE(d.entries_of("delivery").empty());
}

TEST(Dictionary, FormsOfAgreesWithEntriesOf) {
  const auto dict = dictionary::default_russian();
  ASSERT_NE(dict, nullptr) << "hunspell-ru not found under " << k_dir;
  const dictionary& d = *dict;
  std::mt19937 rng(12345);
  std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(d.entry_count() - 1));
  for (int i = 0; i < 3000; ++i) {
    const uint32_t e = pick(rng);
    const auto forms = d.forms_of(e);
    ASSERT_FALSE(forms.empty());
    EXPECT_EQ(forms.front(), d.base_of(e));
    EXPECT_EQ(std::set<std::string>(forms.begin(), forms.end()).size(), forms.size());
    for (const auto& f : forms) {
      const auto ids = d.entries_of(f);
      EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
      EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), e)) << f << " of " << d.base_of(e);
    }
  }
}

TEST(Dictionary, FormsOfIsFast) {
  const auto dict = dictionary::default_russian();
  ASSERT_NE(dict, nullptr) << "hunspell-ru not found under " << k_dir;
  const dictionary& d = *dict;
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(d.entry_count() - 1));
  size_t total = 0;
  const int n = 20000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) total += d.forms_of(pick(rng)).size();
  const auto t1 = std::chrono::steady_clock::now();
  const double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
  std::printf("[ info ] forms_of: %.2f us per entry, %.1f forms on average\n", us,
              static_cast<double>(total) / n);
  EXPECT_LT(us, 200.0);  // generous: sanitizer and debug builds
}

// Every form we generate must be a word hunspell accepts. Hunspell checks
// the .dic capitalization and ё, so the raw (unnormalized) form is checked.
TEST(Dictionary, GeneratedFormsAreAcceptedByHunspell) {
  const auto dict = dictionary::default_russian();
  ASSERT_NE(dict, nullptr) << "hunspell-ru not found under " << k_dir;
  const dictionary& d = *dict;
  Hunspell hs((k_dir + "/ru_RU.aff").c_str(), (k_dir + "/ru_RU.dic").c_str());
  std::mt19937 rng(2024);
  std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(d.entry_count() - 1));
  size_t checked = 0;
  std::vector<std::string> rejected;
  for (int i = 0; i < 4000; ++i) {
    const uint32_t e = pick(rng);
    const auto raw = d.raw_forms_of(e);
    for (const auto& f : raw) {
      ++checked;
      if (!hs.spell(f)) rejected.push_back(f);
    }
  }
  std::printf("[ info ] hunspell accepted %zu of %zu generated forms\n",
              checked - rejected.size(), checked);
  EXPECT_GT(checked, 20000u);
  EXPECT_TRUE(rejected.empty()) << rejected.size() << " rejected, e.g. " << rejected.front();
}

}  // namespace
}  // namespace sito::morph
