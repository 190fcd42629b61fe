// File: morph/stemmer.cpp
//
// libstemmer (Snowball) wrapper: Russian for Cyrillic tokens, English for
// Latin ones.
#include "sito/morph/stemmer.hpp"

#include <libstemmer.h>

#include <climits>

namespace sito::morph {

stemmer::stemmer()
    : russian_(sb_stemmer_new("russian", "UTF_8")), english_(sb_stemmer_new("english", "UTF_8")) {
  // Both algorithms are compiled into libstemmer, so a null here only means
  // out of memory; stem() then reports "no stemmer" instead of crashing.
}

stemmer::~stemmer() {
  sb_stemmer_delete(russian_);
  sb_stemmer_delete(english_);
}

bool stemmer::stem(std::string_view token, std::string& out) {
  sb_stemmer* algorithm = nullptr;
  switch (classify(token)) {
    case script::cyrillic:
      algorithm = russian_;
      break;
    case script::latin:
      algorithm = english_;
      break;
    case script::kazakh:
    case script::other:
      return false;
  }
  if (algorithm == nullptr || token.size() > static_cast<size_t>(INT_MAX)) return false;
  const sb_symbol* s = sb_stemmer_stem(algorithm, reinterpret_cast<const sb_symbol*>(token.data()),
                                       static_cast<int>(token.size()));
  if (s == nullptr) return false;  // out of memory inside libstemmer
  out.assign(reinterpret_cast<const char*>(s), static_cast<size_t>(sb_stemmer_length(algorithm)));
  return true;
}

}  // namespace sito::morph
