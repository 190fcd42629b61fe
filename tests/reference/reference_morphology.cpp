#include "reference/reference_morphology.hpp"

#include <hunspell/hunspell.hxx>
#include <libstemmer.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <cstdlib>
#include <fstream>
#include <vector>

namespace sito::reference {
namespace {

std::u32string code_points(const std::string& utf8) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(utf8);
  std::u32string out;
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) out.push_back(static_cast<char32_t>(u.char32At(i)));
  return out;
}

std::string utf8_of(const std::u32string& cps) {
  icu::UnicodeString u;
  for (char32_t c : cps) u.append(static_cast<UChar32>(c));
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::u32string nfkc(const std::string& utf8) {
  UErrorCode e = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(e);
  icu::UnicodeString u = n->normalize(icu::UnicodeString::fromUTF8(utf8), e);
  std::string s;
  u.toUTF8String(s);
  return code_points(s);
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

std::string normalize(const std::string& utf8) {
  std::u32string out;
  for (char32_t c : nfkc(utf8)) {
    if (c == 0xFE0E || c == 0xFE0F) continue;
    c = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
    if (c == U'ё') c = U'е';
    out.push_back(c);
  }
  return utf8_of(out);
}

std::string normalize_keep_case(const std::string& utf8) {
  std::u32string out;
  for (char32_t c : nfkc(utf8))
    if (c != 0xFE0E && c != 0xFE0F) out.push_back(c);
  return utf8_of(out);
}

ref_script classify(const std::string& normalized_token) {
  static const std::u32string kazakh = U"әғқңөұүһі";
  bool cyrillic = false, latin = false;
  for (char32_t c : code_points(normalized_token)) {
    if (kazakh.find(c) != std::u32string::npos) return ref_script::kazakh;
    if (c >= 0x0400 && c <= 0x052F) cyrillic = true;
    if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) latin = true;
  }
  return cyrillic ? ref_script::cyrillic : latin ? ref_script::latin : ref_script::other;
}

ref_morphology::ref_morphology()
    : russian_(sb_stemmer_new("russian", "UTF_8")), english_(sb_stemmer_new("english", "UTF_8")) {
  const char* env = std::getenv("SITO_HUNSPELL_DIR");
  const std::string dir = env && *env ? env : "/usr/share/hunspell";
  const std::string aff = dir + "/ru_RU.aff", dic = dir + "/ru_RU.dic";
  if (file_exists(aff) && file_exists(dic)) hunspell_ = std::make_unique<Hunspell>(aff.c_str(), dic.c_str());
}

ref_morphology::~ref_morphology() {
  sb_stemmer_delete(russian_);
  sb_stemmer_delete(english_);
}

std::optional<std::string> ref_morphology::stem(const std::string& word) {
  if (auto it = stems_.find(word); it != stems_.end()) return it->second;
  std::optional<std::string> out;
  const ref_script s = classify(word);
  sb_stemmer* algorithm = s == ref_script::cyrillic ? russian_ : s == ref_script::latin ? english_ : nullptr;
  if (algorithm) {
    const sb_symbol* r =
        sb_stemmer_stem(algorithm, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
    if (r) out = std::string(reinterpret_cast<const char*>(r), static_cast<size_t>(sb_stemmer_length(algorithm)));
  }
  stems_.emplace(word, out);
  return out;
}

const std::set<std::string>& ref_morphology::dictionary_words(const std::string& word) {
  if (auto it = entries_.find(word); it != entries_.end()) return it->second;
  std::set<std::string> words;
  if (hunspell_) {
    std::u32string upper;
    std::vector<size_t> ye;  // where ё may have been
    for (char32_t c : code_points(word)) {
      if (c == U'е') ye.push_back(upper.size());
      upper.push_back(static_cast<char32_t>(u_toupper(static_cast<UChar32>(c))));
    }
    if (ye.size() > 12) ye.resize(12);  // no Russian word has more; keeps 2^n finite
    for (size_t mask = 0; mask < (size_t{1} << ye.size()); ++mask) {
      std::u32string spelling = upper;
      for (size_t k = 0; k < ye.size(); ++k)
        if (mask & (size_t{1} << k)) spelling[ye[k]] = U'Ё';
      for (const std::string& w : hunspell_->stem(utf8_of(spelling))) words.insert(w);
    }
  }
  return entries_.emplace(word, std::move(words)).first->second;
}

bool ref_morphology::matches(const std::string& term, const std::string& token) {
  if (term == token) return true;
  const ref_script s = classify(term);
  if (s != ref_script::cyrillic && s != ref_script::latin) return false;
  auto key = std::make_pair(term, token);
  if (auto it = pairs_.find(key); it != pairs_.end()) return it->second;
  bool m = false;
  const std::optional<std::string> w_stem = stem(token);
  if (w_stem && (*w_stem == term || w_stem == stem(term))) {
    m = true;  // rules (c) and (a)
  } else {
    const std::set<std::string>& a = dictionary_words(term);
    if (!a.empty())
      for (const std::string& w : dictionary_words(token))
        if (a.count(w)) {
          m = true;  // rule (b)
          break;
        }
  }
  pairs_.emplace(std::move(key), m);
  return m;
}

}  // namespace sito::reference
