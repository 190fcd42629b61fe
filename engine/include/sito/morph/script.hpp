// File: sito/morph/script.hpp
//
// Which alphabet a normalized token is written in; morphology depends on it.
#pragma once

#include <string_view>

namespace sito::morph {

enum class script : unsigned char {
  latin,     ///< Latin letters (and digits), no Cyrillic: English stemmer
  cyrillic,  ///< contains Cyrillic, no Kazakh-only letters: Russian stemmer + hunspell-ru
  kazakh,    ///< contains one of ә ғ қ ң ө ұ ү һ і: exact forms only
  other,     ///< digits only, other scripts, emoji: exact forms only
};

/// Classifies a normalized (lower-case, ё→е) UTF-8 token: Kazakh if any
/// Kazakh-only letter occurs, else Cyrillic if any Cyrillic letter occurs,
/// else Latin if any ASCII letter occurs, else other.
script classify(std::string_view utf8_token);

}  // namespace sito::morph
