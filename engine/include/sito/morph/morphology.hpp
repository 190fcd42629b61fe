// File: sito/morph/morphology.hpp
//
// The morphology rules of DESIGN §3. A plain term T matches a token W when
//   (a) stem(T) == stem(W)                      (Snowball; Russian/English), or
//   (b) T and W are forms of one hunspell-ru entry, or
//   (c) stem(W) == T                            (unknown brand names in base form).
// Kazakh and other scripts match their exact form only. Both T and W are
// normalized tokens (lower case, ё→е).
//
// The compiler precomputes what it can with `expansion()` so the scan does
// not stem per token where a lookup will do; `matches()` is the slow,
// literal form of the rule that tests and explain use.
//
// Thread-safety: a morphology object is immutable and safe to share; the
// stemmer passed in must belong to the calling thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sito/morph/dictionary.hpp"
#include "sito/morph/stemmer.hpp"

namespace sito::morph {

/// What a token W must look like to match term T, split into the parts the
/// scanner can check with lookups.
struct term_expansion {
  /// W matches if W is one of these (T itself and, by rule (b), every form
  /// of every dictionary entry of T). Sorted, unique.
  std::vector<std::string> exact_forms;
  /// W matches if stem(W) is one of these: stem(T) (rule a) and T (rule c).
  /// Empty for scripts without a stemmer. Sorted, unique.
  std::vector<std::string> stems;
};

class morphology {
 public:
  /// `dict` may be null: rule (b) is then skipped.
  explicit morphology(std::shared_ptr<const dictionary> dict);

  /// The process-wide default (hunspell-ru from dictionary::default_russian()).
  static std::shared_ptr<const morphology> default_instance();

  term_expansion expansion(std::string_view term, stemmer& stem) const;

  /// The rule itself, evaluated directly for one pair.
  bool matches(std::string_view term, std::string_view token, stemmer& stem) const;

  const dictionary* dict() const { return dict_.get(); }

 private:
  std::shared_ptr<const dictionary> dict_;
};

}  // namespace sito::morph
