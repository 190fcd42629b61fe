// File: morph/morphology.cpp
//
// The three matching rules of DESIGN §3, both as a precomputable expansion
// of a term and as a literal per-pair check.
//
// Scope of each rule, identical in expansion() and matches():
//   - exact equality always matches;
//   - rules (a), (b) and (c) apply only when the TERM's script has a
//     stemmer (Latin or Cyrillic); Kazakh and other terms match exactly;
//   - stem(W) is taken with the stemmer W's own script picks; a token
//     without a stemmer has no stem, so only (b) or equality can match it.
#include "sito/morph/morphology.hpp"

#include <algorithm>
#include <span>

namespace sito::morph {
namespace {

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

morphology::morphology(std::shared_ptr<const dictionary> dict) : dict_(std::move(dict)) {}

std::shared_ptr<const morphology> morphology::default_instance() {
  static const std::shared_ptr<const morphology> instance =
      std::make_shared<const morphology>(dictionary::default_russian());
  return instance;
}

term_expansion morphology::expansion(std::string_view term, stemmer& stem) const {
  term_expansion out;
  out.exact_forms.emplace_back(term);
  if (!stemmer::has_stemmer(classify(term))) return out;
  if (dict_ != nullptr) {
    for (const uint32_t e : dict_->entries_of(term)) {
      for (auto& f : dict_->forms_of(e)) out.exact_forms.push_back(std::move(f));
    }
  }
  sort_unique(out.exact_forms);
  std::string s;
  if (stem.stem(term, s)) out.stems.push_back(std::move(s));
  out.stems.emplace_back(term);
  sort_unique(out.stems);
  return out;
}

bool morphology::matches(std::string_view term, std::string_view token, stemmer& stem) const {
  if (term == token) return true;
  if (!stemmer::has_stemmer(classify(term))) return false;
  // (b) forms of one dictionary entry. Both lists are sorted ascending.
  if (dict_ != nullptr) {
    const std::span<const uint32_t> a = dict_->entries_of(term);
    const std::span<const uint32_t> b = dict_->entries_of(token);
    for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
      if (a[i] == b[j]) return true;
      if (a[i] < b[j]) {
        ++i;
      } else {
        ++j;
      }
    }
  }
  std::string token_stem;
  if (!stem.stem(token, token_stem)) return false;
  // (c) the token's stem is the term itself.
  if (token_stem == term) return true;
  // (a) equal stems.
  std::string term_stem;
  return stem.stem(term, term_stem) && term_stem == token_stem;
}

}  // namespace sito::morph
