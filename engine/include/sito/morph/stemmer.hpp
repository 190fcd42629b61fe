// File: sito/morph/stemmer.hpp
//
// Snowball stems (libstemmer) for Russian and English tokens.
//
// Thread-safety: a stemmer is NOT safe for concurrent use (libstemmer keeps
// state per object); give each thread its own. Creating one is cheap.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sito/morph/script.hpp"

struct sb_stemmer;

namespace sito::morph {

class stemmer {
 public:
  stemmer();
  ~stemmer();
  stemmer(const stemmer&) = delete;
  stemmer& operator=(const stemmer&) = delete;

  /// True when `token` has a stemmer: its script is latin or cyrillic.
  static bool has_stemmer(script s) { return s == script::latin || s == script::cyrillic; }

  /// Stem of a normalized token (lower case, ё→е) with the stemmer its
  /// script picks (classify()). Returns false, leaving `out` untouched,
  /// for scripts without a stemmer.
  bool stem(std::string_view token, std::string& out);

 private:
  sb_stemmer* russian_;
  sb_stemmer* english_;
};

}  // namespace sito::morph
