// File: tests/reference/reference_morphology.hpp
//
// The reference's own text normalization and morphology (DESIGN §3), written
// against ICU, libstemmer and libhunspell directly so that it shares no code
// with sito::text or sito::morph, the code it judges.
//
//   normalize(s)  NFKC, then simple Unicode lower case per code point, then
//                 ё→е; variation selectors U+FE0E/U+FE0F dropped.
//   classify(w)   the alphabet of a normalized token, as documented in
//                 sito/morph/script.hpp: Kazakh when one of ә ғ қ ң ө ұ ү һ і
//                 occurs, else Cyrillic when a U+0400..U+052F letter occurs,
//                 else Latin when an ASCII letter occurs, else other.
//   matches(T, W) a plain term T matches token W (both normalized) when
//                 T == W, or, for a Latin or Cyrillic T only:
//                  (a) their Snowball stems are equal (each word stemmed with
//                      the stemmer its own script picks: Russian for
//                      Cyrillic, English for Latin; other scripts have none),
//                  (b) both are forms of one line of ru_RU.dic (the word plus
//                      its affix expansions), or
//                  (c) stem(W) == T.
//
// Rule (b) asks hunspell itself: Hunspell::stem(x) names the .dic words that
// generate x. A normalized token has lost its case and its ё, so every
// spelling with ё put back at any subset of its е is asked, in upper case:
// for an all-caps word hunspell tries the word as given, in lower case and
// capitalized (and mixed-case entries such as КамАЗ through their hidden
// capitalized form), which covers how the .dic writes its words. ru_RU.dic
// holds no word twice, so a .dic word names one line.
//
// Slow and memoized; not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

class Hunspell;
struct sb_stemmer;

namespace sito::reference {

std::string normalize(const std::string& utf8);
/// NFKC only (case and ё kept), variation selectors dropped: what `{Case}` compares.
std::string normalize_keep_case(const std::string& utf8);

enum class ref_script { latin, cyrillic, kazakh, other };
ref_script classify(const std::string& normalized_token);

class ref_morphology {
 public:
  /// Loads ru_RU.aff/.dic from SITO_HUNSPELL_DIR (default /usr/share/hunspell).
  ref_morphology();
  ~ref_morphology();
  ref_morphology(const ref_morphology&) = delete;
  ref_morphology& operator=(const ref_morphology&) = delete;

  bool matches(const std::string& term, const std::string& token);

  /// Snowball stem with the stemmer of the word's script; nullopt for Kazakh and other scripts.
  std::optional<std::string> stem(const std::string& word);
  /// The ru_RU.dic words (as written there) whose expansion yields `word` in some spelling.
  const std::set<std::string>& dictionary_words(const std::string& word);

  bool has_dictionary() const { return hunspell_ != nullptr; }

 private:
  std::unique_ptr<Hunspell> hunspell_;
  sb_stemmer* russian_ = nullptr;
  sb_stemmer* english_ = nullptr;
  std::map<std::string, std::optional<std::string>> stems_;
  std::map<std::string, std::set<std::string>> entries_;
  std::map<std::pair<std::string, std::string>, bool> pairs_;
};

}  // namespace sito::reference
