// File: sito/morph/dictionary.hpp
//
// hunspell-ru dictionary entries expanded into their word forms.
//
// ru_RU.aff uses only suffix (SFX) rules with single-character flags. An
// entry is one line of ru_RU.dic (`word/FLAGS`); its forms are the word
// itself plus every SFX rule of its flags whose condition matches, applied
// once (cross-product with prefixes does not arise: there are none).
// Forms are normalized like text: Unicode lower case and ё→е.
//
//   auto dict = sito::morph::dictionary::default_russian();
//   for (uint32_t e : dict->entries_of("доставок"))
//     for (auto& f : dict->forms_of(e)) ...   // доставка, доставки, ...
//
// Thread-safety: immutable after load(); safe for concurrent readers.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"

namespace sito::morph {

class dictionary {
 public:
  /// Loads and expands an .aff/.dic pair (UTF-8 only: `SET UTF-8`).
  static result<std::shared_ptr<const dictionary>> load(const std::string& aff_path,
                                                        const std::string& dic_path);

  /// The process-wide hunspell-ru dictionary from SITO_HUNSPELL_DIR
  /// (default /usr/share/hunspell), loaded on first call; nullptr when the
  /// files are missing (morphology then uses stems only).
  static std::shared_ptr<const dictionary> default_russian();

  /// Entries whose forms include `form` (normalized), ascending ids. Empty
  /// when unknown. Entry ids are 0-based in .dic order.
  std::span<const uint32_t> entries_of(std::string_view form) const;

  /// Every normalized form of `entry`, the base word first, no duplicates.
  std::vector<std::string> forms_of(uint32_t entry) const;

  /// The forms of `entry` as generated from the .dic spelling, before
  /// normalization (original case, ё kept), the .dic word first, no
  /// duplicates. For cross-checks against hunspell itself, which only
  /// accepts a word in its dictionary capitalization and with its ё.
  std::vector<std::string> raw_forms_of(uint32_t entry) const;

  /// The base word of `entry` as written in the .dic (normalized).
  std::string_view base_of(uint32_t entry) const;

  size_t entry_count() const;
  size_t form_count() const;  ///< distinct normalized forms

  ~dictionary();

 private:
  dictionary();
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sito::morph
